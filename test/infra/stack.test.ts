/**
 * Assertions on the synthesized template, per stage. Each stage is synthesized once (bundling included);
 * cdk-nag runs inside synth as a validation plugin and fails it on any unacknowledged finding.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Token, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRE_SHIM } from '../../infra/bundling';
import { functionConfig, loadStageConfig, type StageConfig } from '../../infra/config';
import { MESIBO_ERROR_RATE_MIN_CALLS, MESIBO_ERROR_RATE_PERCENT } from '../../infra/constructs/operations';
import { ASYNC_RETRIES } from '../../infra/constructs/scheduling';
import { SCHEDULE_TARGET } from '../../infra/stack';
import { ENV } from '../../shared/config/env';
import {
  type FunctionName,
  type FunctionSpec,
  functionSpec,
  functionSpecs,
  type Resource,
} from '../../shared/functions';
import {
  workerConfigFromEnv as groupWorkerConfigFromEnv,
  receiverConfigFromEnv,
} from '../../shared/group-sync/config';
import { healthConfigFromEnv } from '../../shared/health/deps';
import { mesiboOptionsFromEnv } from '../../shared/mesibo/env';
import { TRACING_ENV } from '../../shared/observability/tracing';
import { SQS_MAX_PAYLOAD_BYTES, VISIBILITY_FACTOR } from '../../shared/queue/limits';
import { routeKey, routes } from '../../shared/routes';
import { isAppTokenPlaceholder } from '../../shared/secrets/app-token';
import { isPlatformVariable } from '../../shared/settings';
import { tableSpecs } from '../../shared/storage/tables';
import {
  workerConfigFromEnv as fanoutWorkerConfigFromEnv,
  sendConfigFromEnv,
} from '../../shared/system-messages/config';
import { recurringScheduleInput } from '../../shared/system-messages/schedule-input';
import { tokenConfigFromEnv } from '../../shared/user-tokens/config';
import { DEFAULT_CREDENTIAL_CHAIN, NODE_HTTP_IMPORT } from '../support/bundle-markers';
import { deployableProd } from './support/stages';
import { type Synthesized, synth } from './support/synth';
import {
  actionsOf,
  type CfnResourceJson,
  logicalId,
  props,
  referencedIds,
  resolvedEnv,
  resourceList,
  resourcesOfType,
  type Statement,
  statementsOfRole,
  type TemplateJson,
} from './support/template';

/** Actions AWS offers no resource-level permissions for; the only ones allowed on `*`. */
const WILDCARD_ONLY_ACTIONS = new Set([
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
]);

/** Optional SDK add-ons the SDK loads in a try/catch when installed (SigV4a); not part of the bundle. */
const OPTIONAL_SDK_MODULES = new Set(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);

/** Each function's own config parser, run against the environment the stack gives it. */
const parsersOf: Record<FunctionName, ((env: Record<string, string>) => unknown)[]> = {
  'issue-user-token': [tokenConfigFromEnv, mesiboOptionsFromEnv],
  'sync-group': [receiverConfigFromEnv],
  'sync-group-worker': [groupWorkerConfigFromEnv, mesiboOptionsFromEnv],
  'send-system-message': [sendConfigFromEnv],
  'send-system-message-worker': [fanoutWorkerConfigFromEnv, mesiboOptionsFromEnv],
  health: [healthConfigFromEnv],
};

interface Ctx extends Synthesized {
  t: TemplateJson;
  config: StageConfig;
}

/** Cloud assemblies of this file's synths, removed afterwards. */
const outdirs: string[] = [];

const ctxFor = (stageOrConfig: string | StageConfig, options: { bundle?: boolean } = {}): Ctx => {
  const s = synth(stageOrConfig, options);
  outdirs.push(s.app.outdir);
  const config = typeof stageOrConfig === 'string' ? loadStageConfig(stageOrConfig) : stageOrConfig;
  return { ...s, t: s.json as unknown as TemplateJson, config };
};

const fnConstruct = (c: Ctx, name: FunctionName) => c.stack.functions.byName[name];
const fnId = (c: Ctx, name: FunctionName): string => logicalId(c.stack, fnConstruct(c, name));
const fnProps = (c: Ctx, name: FunctionName): Record<string, unknown> => props(c.t.Resources[fnId(c, name)]!);
const envOf = (c: Ctx, name: FunctionName): Record<string, unknown> =>
  (fnProps(c, name).Environment as { Variables: Record<string, unknown> }).Variables;
const roleIdOf = (c: Ctx, name: FunctionName): string => {
  const role = fnProps(c, name).Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
};

/** Logical ids a function may touch through `uses`, derived here from the catalogue (not from infra code). */
const allowedIdsFor = (c: Ctx, spec: FunctionSpec): Set<string> => {
  const { data, queues, scheduling } = c.stack;
  const idsOf: Record<Resource, string[]> = {
    mesibo: [logicalId(c.stack, data.appTokenSecret)],
    appTokenSecret: [logicalId(c.stack, data.appTokenSecret)],
    usersTable: [logicalId(c.stack, data.tables.usersTable)],
    groupsTable: [logicalId(c.stack, data.tables.groupsTable)],
    idempotencyTable: [logicalId(c.stack, data.tables.idempotencyTable)],
    webhookSecret: [logicalId(c.stack, data.webhookSecret)],
    groupSyncQueue: [logicalId(c.stack, queues.groupSync)],
    fanoutQueue: [logicalId(c.stack, queues.fanout)],
    scheduler: [logicalId(c.stack, scheduling.role), logicalId(c.stack, scheduling.dlq)],
  };
  const ids = new Set([logicalId(c.stack, c.stack.functions.logGroups[spec.name])]);
  for (const use of spec.uses) for (const id of idsOf[use]) ids.add(id);
  if (spec.consumes === 'groupSyncQueue') ids.add(logicalId(c.stack, queues.groupSync));
  if (spec.consumes === 'fanoutQueue') {
    ids.add(logicalId(c.stack, queues.fanout));
    ids.add(logicalId(c.stack, queues.fanoutDlq));
  }
  if (c.stack.data.key) ids.add(logicalId(c.stack, c.stack.data.key));
  return ids;
};

/** The asset directory a function was bundled into. */
const bundleDir = (c: Ctx, name: FunctionName): string => {
  const code = fnProps(c, name).Code as { S3Key: string };
  return join(c.app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
};

/** cfn-lint's errors per synthesized template, all linted in one run (its start-up is most of its time). */
let lintErrors: Record<string, string[]> | undefined;
const cfnLintErrors = (name: string): string[] => {
  if (!lintErrors) {
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
    const files = Object.entries(stages).map(([stage, c]) => {
      const file = join(dir, `${stage}.json`);
      writeFileSync(file, JSON.stringify(c.json));
      return [stage, file] as const;
    });
    const run = spawnSync('cfn-lint', ['--format', 'parseable', ...files.map(([, f]) => f)], {
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    if (run.error) throw run.error;
    const lines = `${run.stdout}${run.stderr}`.split('\n').filter((l) => /:E\d{4}:/.test(l));
    lintErrors = Object.fromEntries(files.map(([stage, f]) => [stage, lines.filter((l) => l.startsWith(f))]));
  }
  const errors = lintErrors[name];
  if (!errors) throw new Error(`no synthesized stage ${name}`);
  return errors;
};
const cfnLintInstalled = !spawnSync('cfn-lint', ['--version']).error;
if (!cfnLintInstalled) console.warn('\n!!! cfn-lint is not installed: template linting is SKIPPED !!!\n');

const stages: Record<string, Ctx> = {};

beforeAll(() => {
  stages.dev = ctxFor('dev');
  // prod also names a second system sender, which the token function must refuse too.
  // Only prod, the stage that deploys, is bundled: every stage bundles with the same options.
  stages.prod = ctxFor(
    deployableProd((c) => {
      c.functions['send-system-message'] = {
        ...c.functions['send-system-message'],
        settings: { SYSTEM_SENDERS: 'billing,alerts' },
      };
    }),
    { bundle: true },
  );
  const base = deployableProd();
  stages.fiveNatKms = ctxFor({
    ...base,
    egress: { enabled: true, natGateways: 5 },
    data: { customerManagedKey: true },
    observability: { ...base.observability, alarmEmail: 'ops@example.com' },
  });
  console.info(`synth: dev ${stages.dev.seconds.toFixed(1)} s, prod ${stages.prod.seconds.toFixed(1)} s`);
});

afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.each(['dev', 'prod'])('%s stage', (stage) => {
  const c = (): Ctx => stages[stage]!;

  describe('synthesis', () => {
    it('is environment-agnostic (synth needs no account, region or credentials)', () => {
      expect(Token.isUnresolved(c().stack.account)).toBe(true);
      expect(Token.isUnresolved(c().stack.region)).toBe(true);
    });

    it('is cdk-nag AwsSolutions clean (every finding fixed or acknowledged)', () => {
      const report = new AwsSolutionsChecks().validateScope(c().app);
      expect(
        report.violations.map(
          (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId)}`,
        ),
      ).toEqual([]);
      expect(report.success).toBe(true);
    });

    it('gives every cdk-nag acknowledgement a written reason', () => {
      const acks = c()
        .app.node.findAll()
        .flatMap((n) => n.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.entries(m.data as Record<string, unknown>));
      expect(acks.length).toBeGreaterThan(0);
      for (const [id, value] of acks) {
        const reason = typeof value === 'string' ? value : (value as { reason?: string }).reason;
        expect(reason, id).toMatch(/\w+ \w+ \w+ \w+/);
      }
    });

    it.skipIf(!cfnLintInstalled)('passes cfn-lint with zero errors', () => {
      expect(cfnLintErrors(stage)).toEqual([]);
    });
  });

  describe('HTTP API', () => {
    it('has exactly the routes of the route table, each with the authorization its auth kind asks for', () => {
      const apiRoutes = resourcesOfType(c().t, 'AWS::ApiGatewayV2::Route').map(([, r]) => props(r));
      expect(apiRoutes.map((r) => r.RouteKey).sort()).toEqual(routes.map((r) => routeKey(r)).sort());
      const [[jwtId]] = resourcesOfType(c().t, 'AWS::ApiGatewayV2::Authorizer') as [
        [string, CfnResourceJson],
      ];
      for (const route of routes) {
        const r = apiRoutes.find((x) => x.RouteKey === routeKey(route))!;
        const expected = { jwt: 'JWT', iam: 'AWS_IAM', hmac: 'NONE', none: 'NONE' }[route.auth];
        expect(r.AuthorizationType ?? 'NONE', routeKey(route)).toBe(expected);
        if (route.auth === 'jwt') expect(r.AuthorizerId).toEqual({ Ref: jwtId });
        else expect(r.AuthorizerId).toBeUndefined();
      }
    });

    it('serves the notification status behind IAM from send-system-message, which calls no mesibo', () => {
      const status = routes.find(
        (r) => r.method === 'GET' && r.path === '/v1/system-messages/{notificationId}',
      );
      expect(status).toMatchObject({ function: 'send-system-message', auth: 'iam' });
      const [, route] = resourcesOfType(c().t, 'AWS::ApiGatewayV2::Route').find(
        ([, x]) => props(x).RouteKey === 'GET /v1/system-messages/{notificationId}',
      )!;
      expect(props(route).AuthorizationType).toBe('AWS_IAM');
      expect(functionSpec('send-system-message').uses).not.toContain('mesibo');
      expect(envOf(c(), 'send-system-message').MESIBO_APP_TOKEN_SECRET_ID).toBeUndefined();
      // The worker expands all-users audiences: it reads the users table and enqueues onto its own queue.
      expect(envOf(c(), 'send-system-message-worker')).toMatchObject({
        USERS_TABLE: expect.anything(),
        FANOUT_QUEUE_URL: expect.anything(),
      });
    });

    it('routes each path to the function the route table names', () => {
      for (const route of routes) {
        const r = props(
          resourcesOfType(c().t, 'AWS::ApiGatewayV2::Route').find(
            ([, x]) => props(x).RouteKey === routeKey(route),
          )![1],
        );
        const integrationId = String(r.Target).match(/integrations\/(.+)$/)?.[1] ?? '';
        const target = referencedIds(r.Target);
        const [integration] = [...target].map((id) => c().t.Resources[id]!);
        expect(integration?.Type, integrationId).toBe('AWS::ApiGatewayV2::Integration');
        expect(referencedIds(props(integration!).IntegrationUri)).toEqual(
          new Set([fnId(c(), route.function)]),
        );
      }
    });

    it('uses a JWT authorizer with issuer and audience from config', () => {
      c().stack.api;
      const authorizers = resourcesOfType(c().t, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      expect(props(authorizers[0]![1])).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: c().config.jwt.issuer, Audience: c().config.jwt.audience },
      });
    });

    it('passes the address claim to the functions behind JWT routes', () => {
      for (const name of new Set(routes.filter((r) => r.auth === 'jwt').map((r) => r.function))) {
        expect(envOf(c(), name).TOKEN_ADDRESS_CLAIM).toBe(c().config.jwt.addressClaim);
      }
    });

    it("gives the token function the system sender (send-system-message's, else the default) to refuse it a token", () => {
      const sender = c().config.functions['send-system-message']?.settings.SYSTEM_SENDER_ADDRESS ?? 'system';
      expect(envOf(c(), 'issue-user-token').SYSTEM_SENDER_ADDRESS).toBe(sender);
    });

    it("gives the token function send-system-message's other senders too, so none gets a user token", () => {
      const senders = c().config.functions['send-system-message']?.settings.SYSTEM_SENDERS;
      expect(envOf(c(), 'issue-user-token').SYSTEM_SENDERS).toBe(senders);
      if (stage === 'prod') expect(senders).toBe('billing,alerts');
    });

    it("tells the group-sync worker its queue's maxReceiveCount", () => {
      expect(envOf(c(), 'sync-group-worker').GROUP_SYNC_MAX_RECEIVE_COUNT).toBe(
        String(c().config.queues.groupSync.maxReceiveCount),
      );
    });

    it('has one auto-deployed $default stage with throttling from config and JSON access logs', () => {
      const [[, stageRes]] = resourcesOfType(c().t, 'AWS::ApiGatewayV2::Stage') as [
        [string, CfnResourceJson],
      ];
      const p = props(stageRes);
      expect(p).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: c().config.api.throttling.rateLimit,
          ThrottlingBurstLimit: c().config.api.throttling.burstLimit,
        },
      });
      const logs = p.AccessLogSettings as { DestinationArn: unknown; Format: string };
      const format = JSON.parse(logs.Format) as Record<string, string>;
      expect(format.requestId).toBe('$context.requestId');
      expect(format.status).toBe('$context.status');
      const logGroupId = [...referencedIds(logs.DestinationArn)][0]!;
      expect(c().t.Resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(props(c().t.Resources[logGroupId]!).RetentionInDays).toBe(
        c().config.observability.logRetentionDays,
      );
    });

    it('has the CorsConfiguration of the stage config, with the methods and headers of the shared policy', () => {
      const [[, api]] = resourcesOfType(c().t, 'AWS::ApiGatewayV2::Api') as [[string, CfnResourceJson]];
      expect(c().config.cors.allowOrigins.length).toBeGreaterThan(0);
      expect(props(api).CorsConfiguration).toEqual({
        AllowOrigins: c().config.cors.allowOrigins,
        AllowMethods: ['DELETE', 'GET', 'POST'],
        AllowHeaders: ['authorization', 'content-type'],
        ExposeHeaders: ['retry-after', 'apigw-requestid'],
        MaxAge: c().config.cors.maxAgeSeconds,
      });
    });

    it('outputs the API URL', () => {
      expect(c().t.Outputs?.ApiUrl).toBeDefined();
    });
  });

  describe('functions', () => {
    it('builds every catalogue function: nodejs24.x, arm64, memory and timeout from config, own log group', () => {
      expect(resourcesOfType(c().t, 'AWS::Lambda::Function')).toHaveLength(functionSpecs.length);
      for (const spec of functionSpecs) {
        const p = fnProps(c(), spec.name);
        const cfg = functionConfig(c().config, spec.name);
        expect(p, spec.name).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: cfg.memoryMb,
          Timeout: cfg.timeoutSeconds,
        });
        const logGroupId = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(props(c().t.Resources[logGroupId]!).RetentionInDays).toBe(
          c().config.observability.logRetentionDays,
        );
        expect(p.ReservedConcurrentExecutions).toBe(cfg.reservedConcurrency);
      }
    });

    it('sets source maps and the Powertools environment', () => {
      for (const spec of functionSpecs) {
        expect(envOf(c(), spec.name), spec.name).toMatchObject({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: spec.name,
          POWERTOOLS_LOG_LEVEL: c().config.observability.logLevel,
          POWERTOOLS_METRICS_NAMESPACE: c().config.observability.metricsNamespace,
        });
      }
    });

    it('gives each function exactly the environment its uses imply, which its own config parser accepts', () => {
      const namesOf: Record<Resource, string[]> = {
        mesibo: [ENV.MESIBO_API_STYLE, ENV.MESIBO_APP_TOKEN_SECRET_ID],
        appTokenSecret: [ENV.MESIBO_APP_TOKEN_SECRET_ID],
        usersTable: [ENV.USERS_TABLE],
        groupsTable: [ENV.GROUPS_TABLE],
        idempotencyTable: [ENV.IDEMPOTENCY_TABLE],
        webhookSecret: [ENV.WEBHOOK_SECRET_ID],
        groupSyncQueue: [ENV.GROUP_SYNC_QUEUE_URL],
        fanoutQueue: [ENV.FANOUT_QUEUE_URL],
        scheduler: [ENV.SCHEDULE_GROUP_NAME, ENV.SCHEDULER_ROLE_ARN, ENV.SCHEDULER_DLQ_ARN],
      };
      const sharedNames = new Set<string>(Object.values(ENV));
      for (const spec of functionSpecs) {
        const env = envOf(c(), spec.name);
        const expected = spec.uses.flatMap((u) => namesOf[u]).sort();
        expect(
          Object.keys(env)
            .filter((k) => sharedNames.has(k))
            .sort(),
          spec.name,
        ).toEqual(expected);
        for (const parse of parsersOf[spec.name])
          expect(() => parse(resolvedEnv(env)), spec.name).not.toThrow();
      }
    });

    it('gives each function only the variables its catalogue entry declares, and every required one', () => {
      for (const spec of functionSpecs) {
        const env = envOf(c(), spec.name);
        const declared = new Set(spec.settings.map((s) => s.name));
        const stray = Object.keys(env).filter((k) => !declared.has(k) && !isPlatformVariable(k));
        expect(stray, spec.name).toEqual([]);
        const missing = spec.settings.filter((s) => s.required && !(s.name in env)).map((s) => s.name);
        expect(missing, spec.name).toEqual([]);
      }
    });

    it('puts no secret value in any environment: secret ids are references to Secrets Manager secrets', () => {
      for (const spec of functionSpecs) {
        for (const [key, value] of Object.entries(envOf(c(), spec.name))) {
          if (/SECRET/.test(key)) {
            const [id] = [...referencedIds(value)];
            expect(c().t.Resources[id ?? '']?.Type, key).toBe('AWS::SecretsManager::Secret');
          }
        }
      }
      expect(JSON.stringify(c().json)).not.toMatch(/"SecretString"/);
    });

    it('switches X-Ray tracing from config, with the tracer on and capturing no response or error', () => {
      for (const spec of functionSpecs) {
        const tracing = fnProps(c(), spec.name).TracingConfig as { Mode: string } | undefined;
        const env = envOf(c(), spec.name);
        if (c().config.observability.tracing) {
          expect(tracing).toEqual({ Mode: 'Active' });
          expect(env, spec.name).toMatchObject(TRACING_ENV);
        } else {
          expect(tracing?.Mode ?? 'PassThrough').toBe('PassThrough');
          for (const name of Object.keys(TRACING_ENV)) expect(env, spec.name).not.toHaveProperty(name);
        }
      }
    });
  });

  describe('least privilege', () => {
    it('scopes every function policy to the resources its uses imply', () => {
      for (const spec of functionSpecs) {
        const allowed = allowedIdsFor(c(), spec);
        for (const statement of statementsOfRole(c().t, roleIdOf(c(), spec.name))) {
          const ids = referencedIds(statement.Resource);
          for (const id of ids) expect(allowed.has(id), `${spec.name} → ${id}`).toBe(true);
        }
      }
    });

    it('allows `*` resources only for actions AWS cannot scope (ENI, X-Ray)', () => {
      const statements = resourcesOfType(c().t, 'AWS::IAM::Policy').flatMap(
        ([, r]) => (props(r).PolicyDocument as { Statement: Statement[] }).Statement,
      );
      for (const s of statements) {
        if (resourceList(s).includes('*')) {
          for (const action of actionsOf(s)) expect(WILDCARD_ONLY_ACTIONS.has(action), action).toBe(true);
        }
        for (const action of actionsOf(s))
          expect(action, 'no service-wide action wildcards').not.toMatch(/:\*$/);
      }
    });

    it('uses no AWS managed policies on function roles', () => {
      for (const spec of functionSpecs) {
        expect(
          props(c().t.Resources[roleIdOf(c(), spec.name)]!).ManagedPolicyArns,
          spec.name,
        ).toBeUndefined();
      }
    });

    it('grants write access to a table only to functions that write it (readsOnly gets reads only)', () => {
      const writes = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/;
      const reads = /^dynamodb:(GetItem|Query|Scan)$/;
      const { tables } = c().stack.data;
      for (const spec of functionSpecs) {
        const statements = statementsOfRole(c().t, roleIdOf(c(), spec.name));
        for (const id of ['usersTable', 'groupsTable', 'idempotencyTable'] as const) {
          if (!spec.uses.includes(id)) continue;
          const tableId = logicalId(c().stack, tables[id]);
          const actions = statements.filter((s) => referencedIds(s.Resource).has(tableId)).flatMap(actionsOf);
          expect(
            actions.some((a) => reads.test(a)),
            `${spec.name} reads ${id}`,
          ).toBe(true);
          const readOnly = spec.readsOnly?.includes(id) ?? false;
          expect(
            actions.some((a) => writes.test(a)),
            `${spec.name} writes ${id}`,
          ).toBe(!readOnly);
        }
      }
      // Group keys are resolved by the route, all users listed by the worker: neither writes them.
      expect(functionSpec('send-system-message').readsOnly).toEqual(['groupsTable']);
      expect(functionSpec('send-system-message-worker').readsOnly).toEqual(['usersTable']);
    });

    it('grants each secret only to the functions that use it', () => {
      const appToken = logicalId(c().stack, c().stack.data.appTokenSecret);
      const webhook = logicalId(c().stack, c().stack.data.webhookSecret);
      for (const spec of functionSpecs) {
        const refs = new Set(
          statementsOfRole(c().t, roleIdOf(c(), spec.name)).flatMap((s) => [...referencedIds(s.Resource)]),
        );
        expect(refs.has(appToken), spec.name).toBe(
          spec.uses.includes('mesibo') || spec.uses.includes('appTokenSecret'),
        );
        expect(refs.has(webhook), spec.name).toBe(spec.uses.includes('webhookSecret'));
      }
    });
  });

  describe('DynamoDB', () => {
    it('has one on-demand table per spec with PITR, TTL, encryption and RETAIN', () => {
      const tables = resourcesOfType(c().t, 'AWS::DynamoDB::Table');
      expect(tables).toHaveLength(tableSpecs.length);
      for (const spec of tableSpecs) {
        const id = logicalId(c().stack, c().stack.data.tables[spec.id]);
        const table = c().t.Resources[id]!;
        const keySchema = [
          { AttributeName: spec.partitionKey, KeyType: 'HASH' },
          ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' }] : []),
        ];
        expect(props(table), spec.id).toMatchObject({
          KeySchema: keySchema,
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: c().config.production,
        });
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.UpdateReplacePolicy).toBe('Retain');
        // Every table's name reaches the functions under the env var its spec names.
        const users = functionSpecs.filter((f) => f.uses.includes(spec.id));
        for (const f of users) expect(envOf(c(), f.name)[spec.envVar]).toEqual({ Ref: id });
      }
    });
  });

  describe('secrets', () => {
    it('creates both secrets without a literal value, RETAIN, webhook as {"current": ...} JSON', () => {
      const secrets = resourcesOfType(c().t, 'AWS::SecretsManager::Secret');
      expect(secrets).toHaveLength(2);
      for (const [, s] of secrets) {
        expect(props(s).SecretString).toBeUndefined();
        expect(props(s).GenerateSecretString).toBeDefined();
        expect(s.DeletionPolicy).toBe('Retain');
      }
      const webhook = c().t.Resources[logicalId(c().stack, c().stack.data.webhookSecret)]!;
      expect(props(webhook).GenerateSecretString).toMatchObject({ GenerateStringKey: 'current' });
      // The placeholder the functions recognise (a random part under another key, never a token shape).
      const appToken = c().t.Resources[logicalId(c().stack, c().stack.data.appTokenSecret)]!;
      const generated = props(appToken).GenerateSecretString as Record<string, unknown>;
      expect(generated).toMatchObject({
        SecretStringTemplate: '{"placeholder":true}',
        GenerateStringKey: 'random',
      });
      const example = JSON.stringify({
        ...JSON.parse(String(generated.SecretStringTemplate)),
        [String(generated.GenerateStringKey)]: 'x'.repeat(32),
      });
      expect(isAppTokenPlaceholder(example)).toBe(true);
      expect(c().t.Outputs?.MesiboAppTokenSecretName?.Value).toBe(
        `mesibo-serverless/${stage}/mesibo-app-token`,
      );
    });
  });

  describe('queues', () => {
    const q = (construct: sqs.IQueue) => props(c().t.Resources[logicalId(c().stack, construct)]!);
    const timeoutOf = (queue: 'groupSyncQueue' | 'fanoutQueue') =>
      functionConfig(c().config, functionSpecs.find((f) => f.consumes === queue)!.name).timeoutSeconds;

    it('group sync: FIFO, producer-set dedup ids, FIFO DLQ, visibility ≥ 6× the worker timeout', () => {
      const { groupSync, groupSyncDlq } = c().stack.queues;
      expect(q(groupSync)).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(c().stack, groupSyncDlq), 'Arn'] },
          maxReceiveCount: c().config.queues.groupSync.maxReceiveCount,
        },
      });
      expect(q(groupSyncDlq)).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true });
      expect(q(groupSync).VisibilityTimeout).toBeGreaterThanOrEqual(
        VISIBILITY_FACTOR * timeoutOf('groupSyncQueue'),
      );
    });

    it('fan-out: standard queue with DLQ, visibility ≥ 6× the worker timeout', () => {
      const { fanout, fanoutDlq } = c().stack.queues;
      expect(q(fanout).FifoQueue).toBeUndefined();
      expect(q(fanout)).toMatchObject({
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(c().stack, fanoutDlq), 'Arn'] } },
      });
      expect(q(fanout).VisibilityTimeout).toBeGreaterThanOrEqual(
        VISIBILITY_FACTOR * timeoutOf('fanoutQueue'),
      );
    });

    it('takes messages of up to 1 MiB on every queue, DLQs included (what the producers check against)', () => {
      const queues = resourcesOfType(c().t, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(5);
      for (const [id, q] of queues) expect(props(q).MaximumMessageSize, id).toBe(SQS_MAX_PAYLOAD_BYTES);
    });

    it('denies non-TLS access on every queue', () => {
      const queues = resourcesOfType(c().t, 'AWS::SQS::Queue');
      const policies = resourcesOfType(c().t, 'AWS::SQS::QueuePolicy').map(([, r]) => props(r));
      for (const [id] of queues) {
        const policy = policies.find((p) => referencedIds(p.Queues).has(id));
        expect(JSON.stringify(policy?.PolicyDocument), id).toMatch(/"aws:SecureTransport":"false"/);
      }
    });

    it('maps each queue to its consumer with partial batch failures and the configured caps', () => {
      for (const spec of functionSpecs.filter((f) => f.consumes)) {
        const queueCfg = c().config.queues[spec.consumes === 'groupSyncQueue' ? 'groupSync' : 'fanout'];
        const mapping = resourcesOfType(c().t, 'AWS::Lambda::EventSourceMapping')
          .map(([, r]) => props(r))
          .find((m) => JSON.stringify(m.FunctionName) === JSON.stringify({ Ref: fnId(c(), spec.name) }))!;
        expect(mapping, spec.name).toMatchObject({
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BatchSize: queueCfg.batchSize,
        });
        const queue =
          spec.consumes === 'groupSyncQueue' ? c().stack.queues.groupSync : c().stack.queues.fanout;
        expect(referencedIds(mapping.EventSourceArn)).toEqual(new Set([logicalId(c().stack, queue)]));
        expect(
          (mapping.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
        ).toBe(queueCfg.maxConcurrency);
      }
    });
  });

  describe('scheduler', () => {
    const schedulerRoleId = () => logicalId(c().stack, c().stack.scheduling.role);

    it('has a schedule group and a DLQ for schedule invocations', () => {
      expect(resourcesOfType(c().t, 'AWS::Scheduler::ScheduleGroup').map(([, r]) => props(r).Name)).toEqual([
        `mesibo-serverless-${stage}`,
      ]);
      expect(envOf(c(), SCHEDULE_TARGET).SCHEDULER_DLQ_ARN).toEqual({
        'Fn::GetAtt': [logicalId(c().stack, c().stack.scheduling.dlq), 'Arn'],
      });
    });

    it('has a role only Scheduler (of this account) may assume, that may invoke only send-system-message', () => {
      const role = props(c().t.Resources[schedulerRoleId()]!);
      expect(JSON.stringify(role.AssumeRolePolicyDocument)).toMatch(/scheduler\.amazonaws\.com/);
      expect(JSON.stringify(role.AssumeRolePolicyDocument)).toMatch(/aws:SourceAccount/);
      const statements = statementsOfRole(c().t, schedulerRoleId());
      const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
      expect(invoke).toHaveLength(1);
      expect(invoke[0]!.Resource).toEqual({ 'Fn::GetAtt': [fnId(c(), SCHEDULE_TARGET), 'Arn'] });
      const allActions = statements.flatMap(actionsOf).sort();
      expect(allActions).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    });

    it('lets send-system-message create schedules in its group only, passing only that role', () => {
      const statements = statementsOfRole(c().t, roleIdOf(c(), SCHEDULE_TARGET));
      const create = statements.find((s) => actionsOf(s).includes('scheduler:CreateSchedule'))!;
      expect(actionsOf(create)).toEqual(['scheduler:CreateSchedule']);
      expect(JSON.stringify(create.Resource)).toMatch(
        new RegExp(`:schedule/mesibo-serverless-${stage}/\\*"`),
      );
      const pass = statements.find((s) => actionsOf(s).includes('iam:PassRole'))!;
      expect(pass.Resource).toEqual({ 'Fn::GetAtt': [schedulerRoleId(), 'Arn'] });
      expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    });

    it('lets send-system-message record unsendable scheduler payloads in the scheduler DLQ', () => {
      const dlq = logicalId(c().stack, c().stack.scheduling.dlq);
      const send = statementsOfRole(c().t, roleIdOf(c(), SCHEDULE_TARGET)).filter((s) =>
        referencedIds(s.Resource).has(dlq),
      );
      expect(send.flatMap(actionsOf)).toContain('sqs:SendMessage');
      expect(
        send.flatMap(actionsOf).filter((a) => !/^sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$/.test(a)),
      ).toEqual([]);
    });

    it("puts an invocation that still fails after Lambda's retries on the scheduler DLQ, not nowhere", () => {
      const configs = resourcesOfType(c().t, 'AWS::Lambda::EventInvokeConfig').map(([, r]) => props(r));
      expect(configs).toHaveLength(1);
      expect(configs[0]).toMatchObject({
        FunctionName: { Ref: fnId(c(), SCHEDULE_TARGET) },
        MaximumRetryAttempts: ASYNC_RETRIES,
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [logicalId(c().stack, c().stack.scheduling.dlq), 'Arn'] },
          },
        },
      });
    });

    it('creates the recurring schedules from config, with the input send-system-message parses', () => {
      const schedules = resourcesOfType(c().t, 'AWS::Scheduler::Schedule').map(([, r]) => props(r));
      expect(schedules.map((s) => s.Name).sort()).toEqual(
        c()
          .config.schedules.map((s) => s.name)
          .sort(),
      );
      for (const s of c().config.schedules) {
        const p = schedules.find((x) => x.Name === s.name)!;
        expect(p).toMatchObject({
          GroupName: `mesibo-serverless-${stage}`,
          ScheduleExpression: s.expression,
          ScheduleExpressionTimezone: s.timeZone,
          State: s.enabled ? 'ENABLED' : 'DISABLED',
          Target: {
            Arn: { 'Fn::GetAtt': [fnId(c(), SCHEDULE_TARGET), 'Arn'] },
            RoleArn: { 'Fn::GetAtt': [schedulerRoleId(), 'Arn'] },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [logicalId(c().stack, c().stack.scheduling.dlq), 'Arn'] },
            },
            Input: recurringScheduleInput(s.name, s.payload),
          },
        });
      }
    });
  });

  describe('operations', () => {
    const alarms = () => resourcesOfType(c().t, 'AWS::CloudWatch::Alarm').map(([, r]) => props(r));
    const topicRef = () => ({ Ref: logicalId(c().stack, c().stack.operations.topic) });

    it('sends every alarm to the SNS topic', () => {
      for (const a of alarms()) expect(a.AlarmActions, String(a.AlarmDescription)).toEqual([topicRef()]);
    });

    it('alarms on errors and throttles of every function', () => {
      for (const spec of functionSpecs) {
        for (const metric of ['Errors', 'Throttles']) {
          const found = alarms().filter(
            (a) =>
              a.MetricName === metric &&
              JSON.stringify(a.Dimensions) ===
                JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId(c(), spec.name) } }]),
          );
          expect(found, `${spec.name} ${metric}`).toHaveLength(1);
        }
      }
    });

    it('alarms when any dead-letter queue holds a message', () => {
      const { groupSyncDlq, fanoutDlq } = c().stack.queues;
      for (const dlq of [groupSyncDlq, fanoutDlq, c().stack.scheduling.dlq]) {
        const id = logicalId(c().stack, dlq);
        const found = alarms().find(
          (a) =>
            a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
            JSON.stringify(a.Dimensions).includes(`"${id}"`),
        );
        expect(found, id).toMatchObject({
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    });

    it('alarms on the mesibo error rate (EMF, per service) and on TOKENBREACH / AUTHFAIL in any mesibo-calling function', () => {
      const ns = c().config.observability.metricsNamespace;
      const mesiboNames = functionSpecs.filter((f) => f.uses.includes('mesibo')).map((f) => f.name);
      type Query = {
        Id: string;
        Expression?: string;
        ReturnData?: boolean;
        MetricStat?: {
          Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
          Stat: string;
          Period: number;
        };
      };
      const rate = alarms().find((a) => String(a.AlarmDescription).includes('mesibo calls failed'));
      expect(rate).toMatchObject({
        Threshold: MESIBO_ERROR_RATE_PERCENT,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      const queries = rate?.Metrics as Query[];
      const returned = queries.filter((q) => q.ReturnData !== false);
      expect(returned).toHaveLength(1);
      const expression = returned[0]?.Expression ?? '';
      expect(expression).toMatch(
        new RegExp(`^IF\\(\\(.+\\) >= ${MESIBO_ERROR_RATE_MIN_CALLS}, 100 \\* \\(.+\\) / \\(.+\\), 0\\)$`),
      );
      for (const metricName of ['MesiboCall', 'MesiboError']) {
        const stats = queries.filter((q) => q.MetricStat?.Metric.MetricName === metricName);
        // Every mesibo-calling function's service dimension, each summed into the expression.
        expect(stats.map((q) => JSON.stringify(q.MetricStat?.Metric.Dimensions)).sort()).toEqual(
          mesiboNames.map((name) => JSON.stringify([{ Name: 'service', Value: name }])).sort(),
        );
        for (const q of stats) {
          expect(q.MetricStat).toMatchObject({ Metric: { Namespace: ns }, Stat: 'Sum', Period: 300 });
          expect(expression).toContain(`FILL(${q.Id}, 0)`);
        }
      }
      const filters = resourcesOfType(c().t, 'AWS::Logs::MetricFilter').map(([, r]) => props(r));
      const mesiboFns = functionSpecs.filter((f) => f.uses.includes('mesibo'));
      for (const code of ['TOKENBREACH', 'AUTHFAIL']) {
        const metricName = `MesiboLogged${code}`;
        for (const f of mesiboFns) {
          const logGroupId = logicalId(c().stack, c().stack.functions.logGroups[f.name]);
          expect(
            filters.some(
              (x) =>
                x.FilterPattern === `"${code}"` &&
                JSON.stringify(x.LogGroupName) === JSON.stringify({ Ref: logGroupId }) &&
                JSON.stringify(x.MetricTransformations).includes(metricName),
            ),
            `${f.name} ${code}`,
          ).toBe(true);
        }
        expect(alarms().find((a) => a.MetricName === metricName)).toMatchObject({
          Namespace: ns,
          Threshold: 1,
        });
      }
    });

    it('has a dashboard with requests, cache hit rate, mesibo latency and errors, fan-out progress', () => {
      const [[, dashboard]] = resourcesOfType(c().t, 'AWS::CloudWatch::Dashboard') as [
        [string, CfnResourceJson],
      ];
      const body = JSON.stringify(props(dashboard).DashboardBody);
      for (const title of [
        'Requests',
        'Token cache hit rate',
        'mesibo errors by code',
        'mesibo calls and error rate',
        'mesibo latency p50 / p99',
        'Fan-out progress',
      ]) {
        expect(body).toContain(title);
      }
      // mesibo latency is the client's MesiboLatency per function, not the functions' duration.
      expect(body).toContain('\\"MesiboLatency\\"');
      for (const spec of functionSpecs.filter((f) => f.uses.includes('mesibo'))) {
        for (const stat of ['p50', 'p99']) expect(body).toContain(`${spec.name} ${stat}`);
      }
      expect(body).not.toContain('\\"Duration\\"');
    });
  });
});

describe('function bundles (prod synth)', () => {
  const prod = (): Ctx => stages.prod!;

  it('bundles ESM, minified, split at dynamic imports, with source maps and the AWS SDK inside (not external)', () => {
    for (const spec of functionSpecs) {
      const dir = bundleDir(prod(), spec.name);
      const files = readdirSync(dir).sort();
      // The entry and the chunks its dynamic imports load, each with its source map, nothing else.
      const chunks = files.filter((f) => f.endsWith('.mjs'));
      expect(chunks, spec.name).toContain('index.mjs');
      expect(files, spec.name).toEqual(chunks.flatMap((f) => [f, `${f}.map`]).sort());
      const entry = readFileSync(join(dir, 'index.mjs'), 'utf8');
      const code = chunks.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      // Assertions on derived values, so a failure does not print a megabyte of bundle.
      expect(entry.startsWith(REQUIRE_SHIM), spec.name).toBe(true);
      const sdkExternals = [...code.matchAll(/(?:from\s*|require\(|import\()["'](@aws-sdk\/[^"']+)["']/g)]
        .map((m) => m[1]!)
        .filter((m) => !OPTIONAL_SDK_MODULES.has(m));
      expect(sdkExternals, spec.name).toEqual([]);
      // Unminified esbuild output marks each module with a `// <path>` comment; minified output has none.
      expect(/^\/\/ (functions|shared|node_modules)\//m.test(code), `${spec.name} is minified`).toBe(false);
      if (spec.uses.some((u) => u.endsWith('Table'))) {
        expect(/dynamodb/i.test(code), `${spec.name} bundles the DynamoDB client`).toBe(true);
      }
    }
  });

  /** Every chunk of a function's prod bundle, joined. */
  const bundleCode = (name: FunctionName) => {
    const dir = bundleDir(prod(), name);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
  };

  it("validates with zod/mini, never classic zod, and keeps zod's English messages", () => {
    for (const spec of functionSpecs.filter((f) => f.name !== 'health')) {
      const code = bundleCode(spec.name);
      // Schema class names survive minification: classic's base class is ZodType, mini's ZodMiniType.
      expect(code.includes('"ZodMiniType"'), `${spec.name} uses zod/mini`).toBe(true);
      expect(code.includes('"ZodType"'), `${spec.name} carries classic zod`).toBe(false);
      // Without the locale mini answers every built-in issue with a bare "Invalid input".
      expect(code.includes('Invalid input: expected '), `${spec.name} has the English messages`).toBe(true);
    }
  });

  it("carries only the environment's credentials, not the SDK's default chain", () => {
    for (const spec of functionSpecs) {
      const code = bundleCode(spec.name);
      expect(code.includes(DEFAULT_CREDENTIAL_CHAIN), spec.name).toBe(false);
    }
  });

  it('never imports node:http as a module at load (on Node 24 that loads undici too)', () => {
    for (const spec of functionSpecs) {
      const code = bundleCode(spec.name);
      expect([...code.matchAll(NODE_HTTP_IMPORT)].length, spec.name).toBe(0);
    }
  });

  it('leaves what only a cache miss or a deep health check needs out of the entry chunk', () => {
    for (const name of ['issue-user-token', 'health'] as const) {
      const entry = readFileSync(join(bundleDir(prod(), name), 'index.mjs'), 'utf8');
      // The Secrets Manager client's signing name, a string only that client carries.
      expect(/["']secretsmanager["']/.test(entry), name).toBe(false);
    }
  });
});

describe('static egress', () => {
  const mesiboFns = functionSpecs.filter((f) => f.uses.includes('mesibo')).map((f) => f.name);
  const otherFns = functionSpecs.filter((f) => !f.uses.includes('mesibo')).map((f) => f.name);

  it('dev: no VPC, no NAT, no Elastic IP, no functions in a VPC', () => {
    const c = stages.dev!;
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP']) {
      expect(resourcesOfType(c.t, type), type).toHaveLength(0);
    }
    for (const spec of functionSpecs) expect(fnProps(c, spec.name).VpcConfig).toBeUndefined();
  });

  it('prod: mesibo-calling functions in private subnets behind one NAT gateway with an output Elastic IP', () => {
    const c = stages.prod!;
    const eips = resourcesOfType(c.t, 'AWS::EC2::EIP');
    expect(eips).toHaveLength(1);
    expect(resourcesOfType(c.t, 'AWS::EC2::NatGateway')).toHaveLength(1);
    expect(c.t.Outputs?.EgressIp1?.Value).toEqual({ 'Fn::GetAtt': [eips[0]![0], 'PublicIp'] });
    const privateSubnets = c.stack.egress!.vpc.privateSubnets.map((s) => logicalId(c.stack, s));
    for (const name of mesiboFns) {
      const vpcConfig = fnProps(c, name).VpcConfig as { SubnetIds: { Ref: string }[] };
      expect(vpcConfig.SubnetIds.map((s) => s.Ref).sort(), name).toEqual([...privateSubnets].sort());
    }
    for (const name of otherFns) expect(fnProps(c, name).VpcConfig, name).toBeUndefined();
    // The private subnets' only route out is the NAT gateway.
    const routesOut = resourcesOfType(c.t, 'AWS::EC2::Route').map(([, r]) => props(r));
    expect(routesOut.filter((r) => r.NatGatewayId)).toHaveLength(privateSubnets.length);
  });

  it('allows up to five NAT gateways, one Elastic IP each, all output; a customer KMS key and an e-mail', () => {
    const c = stages.fiveNatKms!;
    expect(resourcesOfType(c.t, 'AWS::EC2::EIP')).toHaveLength(5);
    expect(resourcesOfType(c.t, 'AWS::EC2::NatGateway')).toHaveLength(5);
    for (let i = 1; i <= 5; i++) expect(c.t.Outputs?.[`EgressIp${i}`], `EgressIp${i}`).toBeDefined();
    const keyId = logicalId(c.stack, c.stack.data.key!);
    expect(props(c.t.Resources[keyId]!).EnableKeyRotation).toBe(true);
    for (const [, table] of resourcesOfType(c.t, 'AWS::DynamoDB::Table')) {
      expect(props(table).SSESpecification).toMatchObject({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
    expect(props(resourcesOfType(c.t, 'AWS::SNS::Topic')[0]![1]).KmsMasterKeyId).toBeDefined();
    expect(resourcesOfType(c.t, 'AWS::SNS::Subscription').map(([, r]) => props(r))).toEqual([
      expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@example.com' }),
    ]);
    expect(new AwsSolutionsChecks().validateScope(c.app).violations).toEqual([]);
    if (cfnLintInstalled) expect(cfnLintErrors('fiveNatKms')).toEqual([]);
  });

  it('reuses pre-allocated Elastic IPs instead of allocating new ones', () => {
    const base = deployableProd();
    const ids = ['eipalloc-0123456789abcdef0', 'eipalloc-0123456789abcdef1'];
    const c = ctxFor({ ...base, egress: { enabled: true, natGateways: 2, eipAllocationIds: ids } });
    expect(resourcesOfType(c.t, 'AWS::EC2::EIP')).toHaveLength(0);
    const nats = resourcesOfType(c.t, 'AWS::EC2::NatGateway').map(([, r]) => props(r).AllocationId);
    expect(nats.sort()).toEqual(ids);
    expect(c.t.Outputs?.EgressAllocationIds?.Value).toBe(ids.join(','));
  });
});

describe('cdk-nag is not vacuous', () => {
  it('reports an unacknowledged finding', () => {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new sqs.Queue(stack, 'NoDlq', { enforceSSL: true });
    const report = new AwsSolutionsChecks().validateScope(app);
    rmSync(app.outdir, { recursive: true, force: true });
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SQS3');
  });
});
