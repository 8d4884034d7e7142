/** Stage config validation: committed configs are valid, and every kind of mistake fails with a clear message. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configPath,
  loadStageConfig,
  parseStageConfig,
  type StageConfig,
} from '../../infra/config';
import { STACK_OWNED_ENV, settingNamesFor } from '../../infra/settings';
import { functionSpecs } from '../../shared/functions';
import { deployableProd, fillProductionValues, type RawConfig as StagesRawConfig } from './support/stages';

/** The committed JSON, loosely typed so a test can break one field. */
interface RawConfig {
  jwt: Record<string, unknown>;
  egress?: Record<string, unknown>;
  functions: Record<
    string,
    { settings?: Record<string, string>; timeoutSeconds?: number; reservedConcurrency?: number }
  >;
  queues: Record<string, Record<string, unknown>>;
  observability: Record<string, unknown>;
  schedules: Record<string, unknown>[];
  [key: string]: unknown;
}

const raw = (stage: string): RawConfig => JSON.parse(readFileSync(configPath(stage), 'utf8')) as RawConfig;

/** dev.json with a change applied, validated. */
const parseWith = (change: (c: RawConfig) => void): StageConfig => {
  const c = structuredClone(raw('dev'));
  change(c);
  return parseStageConfig(c, 'test');
};

const problems = (change: (c: RawConfig) => void): string => {
  try {
    parseWith(change);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected the config to be rejected');
};

describe('committed stage configs', () => {
  it('dev.json is valid and names its own stage', () => {
    expect(loadStageConfig('dev').stage).toBe('dev');
  });

  it('prod.json names its own stage once its example values are filled in', () => {
    expect(deployableProd().stage).toBe('prod');
  });

  it('prod: production switches, static egress, tracing, workers capped by the event source only', () => {
    const prod = deployableProd();
    expect(prod.production).toBe(true);
    expect(prod.egress.enabled).toBe(true);
    expect(prod.egress.natGateways).toBe(1);
    expect(prod.observability.tracing).toBe(true);
    // Reserved concurrency fails CloudFormation in accounts with a low Lambda quota: opt-in only.
    for (const fn of Object.values(prod.functions)) expect(fn?.reservedConcurrency).toBeUndefined();
    expect(prod.queues.groupSync.maxConcurrency).toBeGreaterThan(0);
    expect(prod.queues.fanout.maxConcurrency).toBeGreaterThan(0);
  });

  it('dev: cheap (no NAT, no deletion protection)', () => {
    const dev = loadStageConfig('dev');
    expect(dev.production).toBe(false);
    expect(dev.egress.enabled).toBe(false);
  });

  it('static egress follows `production` unless a stage says otherwise', () => {
    const egressOf = (production: boolean, egress?: Record<string, unknown>) =>
      parseWith((c) => {
        c.production = production;
        if (production) fillProductionValues(c as unknown as StagesRawConfig);
        if (egress) c.egress = egress;
        else delete c.egress;
      }).egress;
    expect(egressOf(true)).toEqual({ enabled: true, natGateways: 1 });
    expect(egressOf(false)).toEqual({ enabled: false, natGateways: 1 });
    expect(egressOf(true, { natGateways: 2 })).toEqual({ enabled: true, natGateways: 2 });
    expect(egressOf(true, { enabled: false })).toMatchObject({ enabled: false });
    expect(egressOf(false, { enabled: true })).toMatchObject({ enabled: true });
  });
});

describe('config errors', () => {
  it('names a missing stage file and how to create it', () => {
    expect(() => loadStageConfig('nope')).toThrow(
      /no config for stage "nope": create infra\/config\/nope.json/,
    );
  });

  it('rejects an invalid stage name before touching the file system', () => {
    expect(() => loadStageConfig('../etc')).toThrow(/invalid stage name/);
  });

  it('lists every missing required value with its path', () => {
    const message = problems((c) => {
      delete c.jwt.issuer;
      delete c.jwt.audience;
    });
    expect(message).toMatch(/jwt\.issuer/);
    expect(message).toMatch(/jwt\.audience/);
  });

  it('rejects a non-https issuer', () => {
    expect(problems((c) => (c.jwt.issuer = 'http://issuer.example.com'))).toMatch(/jwt\.issuer/);
  });

  it('rejects more than 5 NAT gateways (mesibo allows at most 5 caller IPs)', () => {
    expect(problems((c) => (c.egress = { enabled: true, natGateways: 6 }))).toMatch(/egress\.natGateways/);
  });

  it('needs one Elastic IP allocation per NAT gateway', () => {
    expect(
      problems((c) => (c.egress = { enabled: true, natGateways: 2, eipAllocationIds: ['eipalloc-0abc'] })),
    ).toMatch(/egress\.eipAllocationIds/);
  });

  it('rejects a setting the function does not read (typo)', () => {
    const message = problems((c) => (c.functions['issue-user-token']!.settings!.TOKEN_APPID = 'x'));
    expect(message).toMatch(/functions\.issue-user-token\.settings\.TOKEN_APPID: is not a setting/);
  });

  it('rejects settings the stack owns (table names, secret ids, the address claim)', () => {
    for (const key of ['USERS_TABLE', 'MESIBO_APP_TOKEN_SECRET_ID', 'TOKEN_ADDRESS_CLAIM', 'AWS_REGION']) {
      expect(problems((c) => (c.functions['issue-user-token']!.settings![key] = 'x'))).toMatch(
        /set by the stack/,
      );
    }
  });

  it('offers every function its own settings, never a stack-owned name', () => {
    for (const spec of functionSpecs) {
      for (const name of settingNamesFor(spec.name)) expect(STACK_OWNED_ENV.has(name)).toBe(false);
    }
    expect(settingNamesFor('issue-user-token')).toContain('TOKEN_APPIDS');
    expect(settingNamesFor('sync-group-worker')).toContain('GROUP_SYNC_CHUNK_SIZE');
    expect(settingNamesFor('sync-group')).not.toContain('GROUP_SYNC_CHUNK_SIZE');
    // The stack sets it from the queue's own maxReceiveCount.
    expect(settingNamesFor('sync-group-worker')).not.toContain('GROUP_SYNC_MAX_RECEIVE_COUNT');
    expect(settingNamesFor('sync-group')).toContain('WEBHOOK_TOLERANCE_SECONDS');
    expect(settingNamesFor('sync-group-worker')).not.toContain('WEBHOOK_TOLERANCE_SECONDS');
    expect(settingNamesFor('send-system-message')).toContain('FANOUT_BATCH_SIZE');
    expect(settingNamesFor('send-system-message')).toEqual(
      expect.arrayContaining(['SYSTEM_SENDERS', 'MESSAGE_URL_ALLOW_HTTP']),
    );
    expect(settingNamesFor('health')).toEqual([]);
  });

  it('keeps HTTP functions under the 30 s integration timeout', () => {
    expect(problems((c) => (c.functions['issue-user-token']!.timeoutSeconds = 60))).toMatch(/29 s or less/);
  });

  it('gives issue-user-token a timeout above 2 × TOKEN_LEASE_MS + 1 s, so a waiting request can still answer', () => {
    expect(problems((c) => (c.functions['issue-user-token']!.timeoutSeconds = 11))).toMatch(
      /functions\.issue-user-token\.timeoutSeconds: .*above 2 × TOKEN_LEASE_MS \+ 1 s \(11 s\)/,
    );
    expect(
      problems((c) => {
        delete c.functions['issue-user-token']!.timeoutSeconds;
      }),
    ).toMatch(/functionDefaults\.timeoutSeconds: .*\(11 s\)/);
    expect(
      problems((c) => {
        c.functions['issue-user-token']!.settings!.TOKEN_LEASE_MS = '8000';
      }),
    ).toMatch(/\(17 s\)/);
    const shorter = parseWith((c) => {
      c.functions['issue-user-token']!.settings!.TOKEN_LEASE_MS = '2000';
      c.functions['issue-user-token']!.timeoutSeconds = 6;
    });
    expect(shorter.functions['issue-user-token']?.timeoutSeconds).toBe(6);
  });

  it("refuses a system sender set on issue-user-token (the stack copies send-system-message's)", () => {
    expect(
      problems((c) => {
        c.functions['issue-user-token']!.settings!.SYSTEM_SENDER_ADDRESS = 'other';
      }),
    ).toMatch(
      /functions\.issue-user-token\.settings\.SYSTEM_SENDER_ADDRESS: is copied from send-system-message/,
    );
  });

  it('takes CORS origins as HTTP API does, and no wildcard in production', () => {
    const origins = (allowOrigins: unknown, production = false) =>
      problems((c) => {
        c.cors = { allowOrigins, maxAgeSeconds: 300 };
        if (production) c.production = true;
      });
    for (const bad of [
      'https://app.example.com/',
      'https://app.example.com/path',
      'app.example.com',
      'ftp://x.example',
      'http://localhost:*',
    ]) {
      expect(origins([bad]), bad).toMatch(/cors\.allowOrigins\.0: must be an origin/);
    }
    expect(origins(['https://*'], true)).toMatch(/cors\.allowOrigins\.0: .*wildcard/);
    expect(problems((c) => (c.cors = { allowOrigins: [], maxAgeSeconds: 86_401 }))).toMatch(
      /cors\.maxAgeSeconds/,
    );
    const none = parseWith((c) => {
      delete c.cors;
    });
    expect(none.cors).toEqual({ allowOrigins: [], maxAgeSeconds: 300 });
    expect(
      parseWith((c) => (c.cors = { allowOrigins: ['*', 'http://localhost:5173'] })).cors.allowOrigins,
    ).toEqual(['*', 'http://localhost:5173']);
  });

  it('rejects a reserved concurrency below the event source cap (throttled batches would reach the DLQ)', () => {
    expect(
      problems((c) => {
        c.functions['sync-group-worker']!.reservedConcurrency = 2;
        c.queues.groupSync!.maxConcurrency = 5;
      }),
    ).toMatch(/queues\.groupSync\.maxConcurrency/);
  });

  it("keeps the fan-out queue's maxReceiveCount above the worker's own attempts", () => {
    expect(problems((c) => (c.queues.fanout!.maxReceiveCount = 5))).toMatch(
      /queues\.fanout\.maxReceiveCount/,
    );
    expect(
      problems((c) => {
        c.functions['send-system-message-worker']!.settings = { FANOUT_MAX_ATTEMPTS: '12' };
      }),
    ).toMatch(/FANOUT_MAX_ATTEMPTS \(12\)/);
  });

  it("keeps the group-sync queue's redeliveries beyond the group creation lease", () => {
    expect(
      problems((c) => {
        c.queues.groupSync!.maxReceiveCount = 2;
        c.functions['sync-group-worker'] = {
          ...c.functions['sync-group-worker'],
          timeoutSeconds: 5,
          settings: {},
        };
      }),
    ).toMatch(/queues\.groupSync\.maxReceiveCount: must be at least 4/);
  });

  it('rejects a log retention CloudWatch does not offer', () => {
    expect(problems((c) => (c.observability.logRetentionDays = 10))).toMatch(/logRetentionDays/);
  });

  it('rejects unknown keys (typos in the file)', () => {
    expect(problems((c) => (c.egres = { enabled: true }))).toMatch(/egres/);
  });

  it('validates recurring schedules: expression, time zone, unique names, payload', () => {
    const schedule = raw('dev').schedules[0]!;
    expect(problems((c) => (c.schedules = [{ ...schedule, expression: 'every monday' }]))).toMatch(
      /schedules\.0\.expression/,
    );
    expect(problems((c) => (c.schedules = [{ ...schedule, timeZone: 'Mars/Olympus' }]))).toMatch(
      /schedules\.0\.timeZone/,
    );
    expect(problems((c) => (c.schedules = [schedule, schedule]))).toMatch(
      /schedules\.1\.name: is not unique/,
    );
    expect(problems((c) => (c.schedules = [{ ...schedule, payload: { message: { text: 'hi' } } }]))).toMatch(
      /schedules\.0\.payload.*audience/,
    );
    const once = problems((c) => (c.schedules = [{ ...schedule, name: 'once.daily' }]));
    expect(once).toMatch(/schedules\.0\.name: must not start with "once\."/);
    expect(once).not.toMatch(/schedules\.0\.payload/);
  });

  it('refuses a recurring schedule send-system-message would refuse: a sender or URL its settings do not allow', () => {
    const schedule = raw('dev').schedules[0]!;
    const payload = schedule.payload as Record<string, unknown>;
    const withPayload = (over: Record<string, unknown>) => (c: RawConfig) => {
      c.schedules = [{ ...schedule, payload: { ...payload, ...over } }];
    };
    expect(problems(withPayload({ from: 'billing' }))).toMatch(/schedules\.0\.payload\.from: must be one of/);
    const url = { message: { text: 'x', url: 'http://status.example.com' } };
    expect(problems(withPayload(url))).toMatch(/schedules\.0\.payload\.message\.url/);
    const allowed = parseWith((c) => {
      withPayload({ from: 'billing', ...url })(c);
      c.functions['send-system-message']!.settings = {
        SYSTEM_SENDERS: 'billing',
        MESSAGE_URL_ALLOW_HTTP: 'true',
      };
    });
    expect(allowed.schedules).toHaveLength(1);
    expect(
      problems(
        (c) => (c.functions['send-system-message']!.settings = { SYSTEM_SENDERS: `a,${'b'.repeat(300)}` }),
      ),
    ).toMatch(/functions\.send-system-message\.settings: SYSTEM_SENDERS/);
  });
});
