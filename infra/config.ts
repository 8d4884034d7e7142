/**
 * Stage configuration: one JSON file per stage (`infra/config/<stage>.json`), chosen with
 * `-c stage=<name>` (default from cdk.json), validated with zod at synth so a bad value fails before
 * anything is deployed, with one message that names every problem.
 */
import { readFileSync } from 'node:fs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';
import { type FunctionName, functionSpecs } from '../shared/functions';
import { CREATION_LEASE_MS, minReceiveCount, retriesOutlastLease } from '../shared/group-sync/retry-rule';
import { isOriginPattern, ORIGIN_PATTERN_RULE } from '../shared/http/cors';
import { VISIBILITY_FACTOR } from '../shared/queue/limits';
import { routes } from '../shared/routes';
import { sendRulesFromEnv } from '../shared/system-messages/config';
import { ONE_TIME_SCHEDULE_PREFIX } from '../shared/system-messages/schedule-input';
import { minTokenTimeoutMs, TOKEN_ENV } from '../shared/user-tokens/config';
import { fromRoot } from './paths';
import {
  FANOUT_MAX_ATTEMPTS_SETTING,
  STACK_OWNED_ENV,
  SYSTEM_SENDER_SETTING,
  SYSTEM_SENDERS_SETTING,
  settingDefault,
  settingNamesFor,
  unsendableScheduleFields,
  validateSchedulePayload,
} from './settings';

const functionNames = functionSpecs.map((f) => f.name) as [FunctionName, ...FunctionName[]];
const retentionDays = new Set<number>(Object.values(RetentionDays).filter((v) => typeof v === 'number'));
const timeZones = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);

const FunctionConfigSchema = z.strictObject({
  memoryMb: z.int().min(128).max(10_240).optional(),
  timeoutSeconds: z.int().min(1).max(900).optional(),
  /** Caps how many instances may call mesibo at once; leave unset in small accounts (dev). */
  reservedConcurrency: z.int().min(1).optional(),
  /** Function-specific environment (names from the function's own config module). */
  settings: z.record(z.string(), z.string()).default({}),
});

/** An origin as HTTP API's allowOrigins takes it: exact (`https://app.example.com`) or a scheme wildcard. */
const OriginSchema = z.string().refine((origin) => isOriginPattern(origin), { message: ORIGIN_PATTERN_RULE });

const CorsConfigSchema = z.strictObject({
  /** Browser origins allowed to call the API; none means browsers cannot call it at all. */
  allowOrigins: z.array(OriginSchema).default([]),
  /** How long a browser caches a preflight answer (HTTP API allows up to a day). */
  maxAgeSeconds: z.int().min(0).max(86_400).default(300),
});

const QueueConfigSchema = z.strictObject({
  batchSize: z.int().min(1).max(10).default(10),
  /** Deliveries before a message moves to the DLQ. */
  maxReceiveCount: z.int().min(1).max(1000).default(5),
  /** Event source mapping cap on concurrent consumer invocations (SQS allows 2..1000). */
  maxConcurrency: z.int().min(2).max(1000).optional(),
});

const ScheduleSchema = z.strictObject({
  /** Schedule name, unique within the schedule group. */
  name: z
    .string()
    .regex(/^[0-9a-zA-Z-_.]{1,64}$/, 'must be 1-64 of [0-9a-zA-Z-_.]')
    .refine((name) => !name.startsWith(ONE_TIME_SCHEDULE_PREFIX), {
      message: `must not start with "${ONE_TIME_SCHEDULE_PREFIX}" (one-time schedules use it)`,
    }),
  /** `rate(...)` or `cron(...)`. */
  expression: z.string().regex(/^(rate|cron)\(.+\)$/, 'must be rate(...) or cron(...)'),
  timeZone: z.string().refine((tz) => timeZones.has(tz), 'must be an IANA time zone, e.g. Europe/Berlin'),
  description: z.string().max(512).optional(),
  enabled: z.boolean().default(true),
  /** The system message to send; validated by send-system-message's own schedule input schema. */
  payload: z.record(z.string(), z.unknown()),
});

export const StageConfigSchema = z
  .strictObject({
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and dashes'),
    /** Production safety switches: deletion protection on tables, stricter defaults. */
    production: z.boolean(),
    stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/),
    /**
     * Pins the stack to one AWS account and region: `cdk deploy` then refuses credentials of another
     * account, and the region no longer follows the shell. Unset: deploys where the profile points.
     */
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region, e.g. eu-west-1')
      .optional(),
    /** A custom domain for the HTTP API, so apps ship a name you control instead of the execute-api URL. */
    domain: z
      .strictObject({
        name: z
          .string()
          .regex(/^(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})+$/, 'must be a lower-case DNS name'),
        /** An ACM certificate for `name`, in the stack's region (a regional API needs a regional certificate). */
        certificateArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
            'must be an ACM certificate ARN',
          ),
      })
      .optional(),
    mesibo: z.strictObject({
      apiStyle: z.enum(['json', 'legacy']).default('json'),
      /** Defaults (in the function) to api.mesibo.com for the chosen style. */
      apiUrl: z.url({ protocol: /^https$/ }).optional(),
    }),
    jwt: z.strictObject({
      /** OIDC issuer URL (Cognito: https://cognito-idp.<region>.amazonaws.com/<pool id>). */
      issuer: z.url({ protocol: /^https$/ }),
      /** Accepted `aud` (or Cognito access-token `client_id`) values. */
      audience: z.array(z.string().min(1)).min(1),
      /** The claim that carries the caller's mesibo address (e.g. sub, email, phone_number). */
      addressClaim: z.string().min(1),
    }),
    api: z.strictObject({
      throttling: z.strictObject({
        rateLimit: z.number().positive(),
        burstLimit: z.int().positive(),
      }),
    }),
    /** The HTTP API's CorsConfiguration, for web apps that call the token routes. */
    cors: CorsConfigSchema.prefault({}),
    egress: z
      .strictObject({
        /**
         * Mesibo-calling functions in private subnets behind NAT gateways with Elastic IPs. Defaults to
         * `production`: a production stage gets static egress unless it opts out.
         */
        enabled: z.boolean().optional(),
        /** One NAT gateway (and Elastic IP) per AZ; mesibo tolerates at most 5 caller IPs. */
        natGateways: z.int().min(1).max(5).default(1),
        /** Pre-allocated Elastic IPs to reuse (keeps the IPs stable across stack re-creation). */
        eipAllocationIds: z
          .array(z.string().regex(/^eipalloc-[0-9a-f]+$/))
          .max(5)
          .optional(),
      })
      .prefault({}),
    data: z.strictObject({
      /** Customer-managed KMS key for tables, secrets and the alarm topic (default: AWS-managed). */
      customerManagedKey: z.boolean().default(false),
    }),
    observability: z.strictObject({
      tracing: z.boolean().default(false),
      logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
      logRetentionDays: z
        .int()
        .refine((d) => retentionDays.has(d), 'must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, ...)'),
      metricsNamespace: z.string().min(1).default('MesiboServerless'),
      /** Subscribed to the alarm topic when set (confirm the e-mail AWS sends). */
      alarmEmail: z.email().optional(),
      /** An existing SNS topic (on-call tool, chat integration) that every alarm also notifies. */
      alarmTopicArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN')
        .optional(),
    }),
    functionDefaults: z.strictObject({
      memoryMb: z.int().min(128).max(10_240),
      timeoutSeconds: z.int().min(1).max(900),
    }),
    functions: z.partialRecord(z.enum(functionNames), FunctionConfigSchema).default({}),
    queues: z.strictObject({
      groupSync: QueueConfigSchema,
      fanout: QueueConfigSchema,
    }),
    schedules: z.array(ScheduleSchema).default([]),
  })
  .superRefine((config, ctx) => {
    if (config.production) {
      for (const issue of productionGuards(config)) ctx.addIssue({ code: 'custom', ...issue });
    }
    const pinnedRegion = config.region;
    const certRegion = config.domain?.certificateArn.split(':')[3];
    if (pinnedRegion && certRegion && certRegion !== pinnedRegion) {
      ctx.addIssue({
        code: 'custom',
        path: ['domain', 'certificateArn'],
        message: `is in ${certRegion}; a regional API needs a certificate in the stack's region (${pinnedRegion})`,
      });
    }
    const httpFunctions = new Set(routes.map((r) => r.function));
    for (const [name, fn] of Object.entries(config.functions)) {
      const fnName = name as FunctionName;
      const allowed = settingNamesFor(fnName);
      for (const key of Object.keys(fn?.settings ?? {})) {
        const path = ['functions', name, 'settings', key];
        if (STACK_OWNED_ENV.has(key) || key.startsWith('AWS_')) {
          ctx.addIssue({ code: 'custom', path, message: 'is set by the stack, not by stage config' });
        } else if (!allowed.includes(key)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `is not a setting of ${name} (known: ${allowed.join(', ') || 'none'})`,
          });
        }
      }
      for (const copied of [SYSTEM_SENDER_SETTING, SYSTEM_SENDERS_SETTING]) {
        if (fnName === 'issue-user-token' && copied in (fn?.settings ?? {})) {
          ctx.addIssue({
            code: 'custom',
            path: ['functions', name, 'settings', copied],
            message: "is copied from send-system-message's setting; set it there",
          });
        }
      }
      const timeout = fn?.timeoutSeconds ?? config.functionDefaults.timeoutSeconds;
      if (httpFunctions.has(fnName) && timeout > 29) {
        ctx.addIssue({
          code: 'custom',
          path: ['functions', name, 'timeoutSeconds'],
          message: 'an HTTP API integration times out after 30 s; keep HTTP functions at 29 s or less',
        });
      }
    }
    // A request waiting on another's mesibo call may wait two leases; it must be able to answer after.
    const token = config.functions['issue-user-token'];
    const leaseMs = Number(
      token?.settings[TOKEN_ENV.TOKEN_LEASE_MS] ||
        settingDefault('issue-user-token', TOKEN_ENV.TOKEN_LEASE_MS),
    );
    const tokenTimeout = token?.timeoutSeconds ?? config.functionDefaults.timeoutSeconds;
    if (Number.isFinite(leaseMs) && tokenTimeout * 1000 <= minTokenTimeoutMs(leaseMs)) {
      ctx.addIssue({
        code: 'custom',
        path:
          token?.timeoutSeconds === undefined
            ? ['functionDefaults', 'timeoutSeconds']
            : ['functions', 'issue-user-token', 'timeoutSeconds'],
        message: `issue-user-token needs a timeout above 2 × ${TOKEN_ENV.TOKEN_LEASE_MS} + 1 s (${minTokenTimeoutMs(leaseMs) / 1000} s), or a waiting request is cut off with a gateway 5xx`,
      });
    }
    if (config.production) {
      config.cors.allowOrigins.forEach((origin, i) => {
        if (origin.endsWith('*')) {
          ctx.addIssue({
            code: 'custom',
            path: ['cors', 'allowOrigins', i],
            message: "a production stage lists its web apps' origins; a wildcard lets any site call the API",
          });
        }
      });
    }
    if (config.functionDefaults.timeoutSeconds > 29) {
      ctx.addIssue({
        code: 'custom',
        path: ['functionDefaults', 'timeoutSeconds'],
        message: 'HTTP functions use the default; keep it at 29 s or less',
      });
    }
    // A consumer capped below its event source's concurrency gets throttled, and throttled batches
    // count as receives: messages would reach the DLQ without ever failing.
    for (const [queue, source] of [
      ['groupSync', 'groupSyncQueue'],
      ['fanout', 'fanoutQueue'],
    ] as const) {
      const name = functionSpecs.find((f) => f.consumes === source)?.name;
      if (!name) continue;
      const reserved = config.functions[name]?.reservedConcurrency;
      const max = config.queues[queue].maxConcurrency;
      if (reserved !== undefined && (max === undefined || max > reserved)) {
        ctx.addIssue({
          code: 'custom',
          path: ['queues', queue, 'maxConcurrency'],
          message: `must be set and at most ${name}'s reservedConcurrency (${reserved})`,
        });
      }
    }
    // The fan-out worker retries a batch itself; SQS must not dead-letter it before the worker gives up.
    const fanoutWorker = functionSpecs.find((f) => f.consumes === 'fanoutQueue')?.name;
    const attempts = fanoutWorker
      ? Number(
          config.functions[fanoutWorker]?.settings[FANOUT_MAX_ATTEMPTS_SETTING] ||
            settingDefault(fanoutWorker, FANOUT_MAX_ATTEMPTS_SETTING),
        )
      : 0;
    if (config.queues.fanout.maxReceiveCount <= attempts) {
      ctx.addIssue({
        code: 'custom',
        path: ['queues', 'fanout', 'maxReceiveCount'],
        message: `must exceed the worker's ${FANOUT_MAX_ATTEMPTS_SETTING} (${attempts})`,
      });
    }
    // An ambiguous groupadd holds the group's creation claim for a lease; redeliveries must outlast it.
    const groupWorker = functionSpecs.find((f) => f.consumes === 'groupSyncQueue')?.name;
    const groupWorkerTimeout =
      (groupWorker && config.functions[groupWorker]?.timeoutSeconds) ||
      config.functionDefaults.timeoutSeconds;
    const visibilityMs = VISIBILITY_FACTOR * groupWorkerTimeout * 1000;
    if (!retriesOutlastLease(visibilityMs, config.queues.groupSync.maxReceiveCount)) {
      ctx.addIssue({
        code: 'custom',
        path: ['queues', 'groupSync', 'maxReceiveCount'],
        message: `must be at least ${minReceiveCount(visibilityMs)}: redeliveries must outlast the ${CREATION_LEASE_MS / 1000} s group creation lease`,
      });
    }
    const ids = config.egress.eipAllocationIds;
    if (ids && ids.length > 0 && ids.length !== config.egress.natGateways) {
      ctx.addIssue({
        code: 'custom',
        path: ['egress', 'eipAllocationIds'],
        message: `needs one allocation id per NAT gateway (${config.egress.natGateways})`,
      });
    }
    const rules = (() => {
      try {
        return sendRulesFromEnv(config.functions['send-system-message']?.settings ?? {});
      } catch (e) {
        const message = (e as Error).message.replace(/^invalid send-system-message configuration: /, '');
        ctx.addIssue({ code: 'custom', path: ['functions', 'send-system-message', 'settings'], message });
        return undefined;
      }
    })();
    const seen = new Set<string>();
    config.schedules.forEach((schedule, i) => {
      if (seen.has(schedule.name)) {
        ctx.addIssue({ code: 'custom', path: ['schedules', i, 'name'], message: 'is not unique' });
      }
      seen.add(schedule.name);
      // A reserved name is already reported on the name; the payload check would repeat it.
      if (schedule.name.startsWith(ONE_TIME_SCHEDULE_PREFIX)) return;
      const problem = validateSchedulePayload(schedule.name, schedule.payload);
      if (problem) ctx.addIssue({ code: 'custom', path: ['schedules', i, 'payload'], message: problem });
      else if (rules) {
        for (const { field, message } of unsendableScheduleFields(schedule.payload, rules)) {
          ctx.addIssue({ code: 'custom', path: ['schedules', i, 'payload', ...field.split('.')], message });
        }
      }
    });
  })
  .transform((config) => ({
    ...config,
    egress: { ...config.egress, enabled: config.egress.enabled ?? config.production },
  }));

export type StageConfig = z.infer<typeof StageConfigSchema>;
export type ScheduleConfig = StageConfig['schedules'][number];

/** The committed configs carry example identity-provider and app values; a real deploy must replace them. */
export const EXAMPLE_VALUE = /example/i;
/** The issue-user-token setting that lists the accepted mesibo app ids. */
const APPIDS_SETTING = 'TOKEN_APPIDS';

interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

/** What the production guards read (the parsed shape, before the egress default is applied). */
interface GuardedFields {
  stage: string;
  jwt: { issuer: string; audience: string[] };
  functions: Partial<Record<FunctionName, { settings: Record<string, string> } | undefined>>;
  observability: { alarmEmail?: string | undefined; alarmTopicArn?: string | undefined };
}

/**
 * A production stage that deploys cleanly but cannot work is refused at synth: example identity
 * provider or app ids would answer 401/400 to every app, and alarms without a destination page nobody.
 */
export const productionGuards = (config: GuardedFields): ConfigIssue[] => {
  const issues: ConfigIssue[] = [];
  const fix = `set it in infra/config/${config.stage}.json (docs/deploy.md)`;
  if (EXAMPLE_VALUE.test(config.jwt.issuer)) {
    issues.push({ path: ['jwt', 'issuer'], message: `is the example issuer; ${fix}` });
  }
  config.jwt.audience.forEach((aud, i) => {
    if (EXAMPLE_VALUE.test(aud)) {
      issues.push({ path: ['jwt', 'audience', i], message: `is an example audience; ${fix}` });
    }
  });
  const appids = config.functions['issue-user-token']?.settings[APPIDS_SETTING];
  if (appids === undefined || appids.split(',').some((id) => EXAMPLE_VALUE.test(id))) {
    issues.push({
      path: ['functions', 'issue-user-token', 'settings', APPIDS_SETTING],
      message: `${appids === undefined ? 'is missing' : 'lists an example app id'}; ${fix}`,
    });
  }
  if (!config.observability.alarmEmail && !config.observability.alarmTopicArn) {
    issues.push({
      path: ['observability', 'alarmEmail'],
      message:
        'a production stage needs an alarm destination: set observability.alarmEmail or observability.alarmTopicArn',
    });
  }
  return issues;
};

/** Memory, timeout, reserved concurrency and settings of one function, defaults applied. */
export interface ResolvedFunctionConfig {
  memoryMb: number;
  timeoutSeconds: number;
  reservedConcurrency?: number;
  settings: Record<string, string>;
}

export const functionConfig = (config: StageConfig, name: FunctionName): ResolvedFunctionConfig => {
  const fn = config.functions[name];
  return {
    memoryMb: fn?.memoryMb ?? config.functionDefaults.memoryMb,
    timeoutSeconds: fn?.timeoutSeconds ?? config.functionDefaults.timeoutSeconds,
    ...(fn?.reservedConcurrency === undefined ? {} : { reservedConcurrency: fn.reservedConcurrency }),
    settings: fn?.settings ?? {},
  };
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates a parsed config object; throws one ConfigError listing every problem. */
export const parseStageConfig = (raw: unknown, source: string): StageConfig => {
  const parsed = StageConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid stage config ${source}:\n${problems.join('\n')}`);
  }
  return parsed.data;
};

export const configPath = (stage: string): string => fromRoot(`infra/config/${stage}.json`);

/** Reads and validates `infra/config/<stage>.json`. */
export const loadStageConfig = (stage: string): StageConfig => {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new ConfigError(`invalid stage name "${stage}": use lower-case letters, digits and dashes`);
  }
  const file = configPath(stage);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      `no config for stage "${stage}": create infra/config/${stage}.json (copy dev.json)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`infra/config/${stage}.json is not valid JSON: ${(e as Error).message}`);
  }
  const config = parseStageConfig(raw, `infra/config/${stage}.json`);
  if (config.stage !== stage) {
    throw new ConfigError(`infra/config/${stage}.json declares stage "${config.stage}"; they must match`);
  }
  return config;
};
