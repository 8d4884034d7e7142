/**
 * `npm run redrive` as an operator runs it, against a loopback SQS and Scheduler served by the stub
 * with the real SDK clients: what moves, what is left, and that a letter leaves the DLQ only after
 * its work was accepted where it is processed.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsStub, startAwsStub } from '../../../local/harness/aws-stub';
import { REDRIVE_TAGS } from '../../../shared/redrive/discovery';
import { SCHEDULE_SOURCE } from '../../../shared/system-messages/schedule-input';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let stub: AwsStub;

const batch = (n: number) => ({
  v: 1,
  notificationId: 'n-1',
  batch: n,
  from: 'system',
  delivery: 'at-most-once',
  message: { text: 'hello' },
  to: [`user-${n}`],
});
const record = (reason: string, original: unknown) =>
  JSON.stringify({
    reason,
    detail: 'mesibo message failed (not-sent)',
    original,
    at: '2025-01-01T00:00:00.000Z',
  });

beforeEach(async () => {
  stub = await startAwsStub();
  stub.scheduleGroup('mesibo-serverless-dev', {
    [REDRIVE_TAGS.fanoutQueueUrl]: stub.queueUrl('fanout'),
    [REDRIVE_TAGS.fanoutDlqUrl]: stub.queueUrl('fanout-dlq'),
    [REDRIVE_TAGS.groupSyncQueueUrl]: stub.queueUrl('group-sync.fifo'),
    [REDRIVE_TAGS.groupSyncDlqUrl]: stub.queueUrl('group-sync-dlq.fifo'),
    [REDRIVE_TAGS.schedulerDlqUrl]: stub.queueUrl('scheduler-dlq'),
    [REDRIVE_TAGS.schedulerDlqArn]: 'arn:aws:sqs:us-east-1:000000000000:scheduler-dlq',
    [REDRIVE_TAGS.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/scheduler',
    [REDRIVE_TAGS.scheduleTargetArn]: 'arn:aws:lambda:us-east-1:000000000000:function:send-system-message',
  });
});
afterEach(async () => stub.close());

const shellEnv = () => ({
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDREDRIVETEST',
  AWS_SECRET_ACCESS_KEY: 'redrive-test-secret',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL_SQS: stub.endpoint,
  AWS_ENDPOINT_URL_SCHEDULER: stub.endpoint,
});

const redriveWith = async (env: Record<string, string | undefined>, ...args: string[]) => {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'ops/redrive.ts', ...args, '-c', 'stage=dev'],
      { cwd: ROOT, env },
    );
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout + err.stderr };
  }
};
const redrive = (...args: string[]) => redriveWith(shellEnv(), ...args);

describe('npm run redrive', () => {
  it('names what to fix in one line when the shell has no AWS region or no credentials', async () => {
    // Without the SDK's notice about Node versions older than it will support, on Node 20.
    const env = { ...shellEnv(), NODE_NO_WARNINGS: '1' };
    const { AWS_REGION: _region, ...noRegion } = env;
    const withoutRegion = await redriveWith(noRegion, 'group-sync', '--yes');
    expect(withoutRegion.code).toBe(2);
    expect(withoutRegion.stdout.trim()).toMatch(/^redrive: no AWS region: set AWS_REGION/);
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...noCredentials } = env;
    const withoutCredentials = await redriveWith(noCredentials, 'group-sync', '--yes');
    expect(withoutCredentials.code).toBe(2);
    expect(withoutCredentials.stdout.trim()).toMatch(/^redrive: no AWS credentials \(.+\): set AWS_PROFILE/);
    for (const run of [withoutRegion, withoutCredentials]) {
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
    }
  });

  it('names a missing permission as one, not as refused credentials', async () => {
    // Scheduler answering as it does to an identity without scheduler:GetScheduleGroup.
    const denying = createServer((_req, res) => {
      res
        .writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' })
        .end(
          JSON.stringify({ Message: 'User: test is not authorized to perform: scheduler:GetScheduleGroup' }),
        );
    });
    denying.listen(0, '127.0.0.1');
    await once(denying, 'listening');
    try {
      const { port } = denying.address() as AddressInfo;
      const env = {
        ...shellEnv(),
        NODE_NO_WARNINGS: '1',
        AWS_ENDPOINT_URL_SCHEDULER: `http://127.0.0.1:${port}`,
      };
      const run = await redriveWith(env, 'group-sync', '--yes');
      expect(run.code).toBe(2);
      expect(run.stdout.trim()).toBe(
        "redrive: the shell's AWS identity lacks a permission (docs/operations.md#redrive lists them): User: test is not authorized to perform: scheduler:GetScheduleGroup",
      );
    } finally {
      denying.close();
    }
  });

  it('fanout: unwraps records, sends moved batches as they are, keeps the rest; deletes only what was sent', async () => {
    stub.seed('fanout-dlq', [
      { body: record('attempts-exhausted', batch(1)) },
      { body: JSON.stringify(batch(2)) },
      { body: record('outcome-unknown', batch(3)) },
      { body: record('attempts-exhausted', batch(4)) },
    ]);
    // The queue refuses batch 4: its letter must stay.
    stub.refuseSends((body) => body.includes('user-4'));

    const run = await redrive('fanout', '--yes');

    expect(stub.sent('fanout').map((m) => JSON.parse(m.body))).toEqual([batch(1), batch(2)]);
    const left = stub.inQueue('fanout-dlq').map((m) => JSON.parse(m.body).reason);
    expect(left).toEqual(['outcome-unknown', 'attempts-exhausted']);
    expect(run.stdout).toMatch(/4 dead letter\(s\) in the fanout DLQ/);
    expect(run.stdout).toMatch(/attempts-exhausted: 2 to redrive/);
    expect(run.stdout).toMatch(/moved: 2/);
    expect(run.stdout).toMatch(/left in the DLQ: 2/);
    expect(run.stdout).toMatch(/outcome-unknown\): an at-most-once batch/);
    expect(run.stdout).toMatch(/send failed: InternalError/);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('redrive-test-secret');

    // The letters left are visible again: a second run finds them and moves batch 4 now.
    stub.refuseSends(() => false);
    const again = await redrive('fanout', '--yes');
    expect(again.code).toBe(0);
    expect(stub.sent('fanout').map((m) => JSON.parse(m.body).batch)).toEqual([1, 2, 4]);
    expect(stub.inQueue('fanout-dlq').map((m) => JSON.parse(m.body).reason)).toEqual(['outcome-unknown']);
  });

  it('--dry-run shows the summary and moves nothing', async () => {
    stub.seed('fanout-dlq', [{ body: JSON.stringify(batch(1)) }]);
    const run = await redrive('fanout', '--dry-run');
    expect(run.stdout).toMatch(/max-receives: 1 to redrive/);
    expect(run.stdout).toMatch(/moved: 0/);
    expect(stub.sent('fanout')).toEqual([]);
    expect(stub.inQueue('fanout-dlq')).toHaveLength(1);
  });

  it('group-sync: the message goes back in its group with a fresh deduplication id', async () => {
    const body = JSON.stringify({
      deliveryId: 'd-1',
      receivedAt: 1,
      event: { type: 'group.delete', group: { key: 'team-a' } },
    });
    stub.seed('group-sync-dlq.fifo', [{ body, groupId: 'team-a', deduplicationId: 'd-1' }]);
    const run = await redrive('group-sync', '--yes');
    expect(run.code).toBe(0);
    const [sent, ...more] = stub.sent('group-sync.fifo');
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ body, groupId: 'team-a' });
    expect(sent?.deduplicationId).toBeTruthy();
    expect(sent?.deduplicationId).not.toBe('d-1');
    expect(stub.inQueue('group-sync-dlq.fifo')).toEqual([]);
  });

  it('scheduler: the input goes back to send-system-message through a one-time schedule', async () => {
    const input = {
      source: SCHEDULE_SOURCE,
      schedule: 'once.n-9',
      notification: { notificationId: 'n-9', audience: { addresses: ['alice'] }, message: { text: 'later' } },
    };
    const lambdaRecord = {
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted' },
      requestPayload: {
        ...input,
        schedule: 'daily',
        notification: { ...input.notification, notificationId: 'n-10' },
      },
    };
    stub.seed('scheduler-dlq', [
      { body: JSON.stringify(input), errorCode: 'AWS.Lambda.Throttled' },
      { body: JSON.stringify(lambdaRecord) },
      { body: '{"something":"else"}' },
    ]);
    const run = await redrive('scheduler', '--yes');
    expect(run.stdout).toMatch(/scheduler: AWS.Lambda.Throttled: 1 to redrive/);
    expect(run.stdout).toMatch(/lambda: RetriesExhausted: 1 to redrive/);
    const schedules = stub.schedules();
    expect(schedules.map((s) => JSON.parse(s.target.Input).notification.notificationId)).toEqual([
      'n-9',
      'n-10',
    ]);
    for (const s of schedules) {
      expect(s).toMatchObject({
        group: 'mesibo-serverless-dev',
        name: expect.stringMatching(/^redrive\./),
        expression: expect.stringMatching(/^at\(/),
        target: {
          Arn: 'arn:aws:lambda:us-east-1:000000000000:function:send-system-message',
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
          DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:scheduler-dlq' },
        },
      });
    }
    expect(stub.inQueue('scheduler-dlq').map((m) => m.body)).toEqual(['{"something":"else"}']);
  });

  it.each(['--help', '-h'])('%s prints the usage on stdout, exits 0 and touches no queue', async (flag) => {
    stub.seed('group-sync-dlq.fifo', [{ body: '{"id":"evt_1"}', groupId: 'g1' }]);
    const run = await redrive(flag);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run redrive -- <fanout\|group-sync\|scheduler>/);
    expect(run.stdout).toContain('--dry-run');
    expect(stub.inQueue('group-sync-dlq.fifo')).toHaveLength(1);
    expect(stub.sent('group-sync.fifo')).toEqual([]);
  });

  it('names the missing tags when the stack predates the redrive', async () => {
    stub.scheduleGroup('mesibo-serverless-dev', {});
    const run = await redrive('fanout', '--yes');
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/lacks the tags mesibo-serverless:fanout-queue-url/);
  });
});
