import { describe, expect, it } from 'vitest';
import { type FunctionName, functionSpec } from '../../../shared/functions';
import { receiverConfigFromEnv, workerConfigFromEnv } from '../../../shared/group-sync/config';

const base = {
  GROUPS_TABLE: 'groups',
  WEBHOOK_SECRET_ID: 'webhook-secret',
  GROUP_SYNC_QUEUE_URL: 'https://sqs.local/q.fifo',
  MESIBO_APP_TOKEN_SECRET_ID: 'app-token',
};

describe('group-sync config', () => {
  it('applies the documented defaults', () => {
    expect(receiverConfigFromEnv(base)).toEqual({
      groupsTable: 'groups',
      webhookSecretId: 'webhook-secret',
      queueUrl: 'https://sqs.local/q.fifo',
      maxMembers: 20_000,
      toleranceSeconds: 300,
      recordTtlSeconds: 30 * 86_400,
    });
    expect(workerConfigFromEnv(base)).toEqual({
      groupsTable: 'groups',
      appTokenSecretId: 'app-token',
      maxMembers: 20_000,
      chunkSize: 100,
      recordTtlSeconds: 30 * 86_400,
    });
  });

  it('reads the optional knobs', () => {
    const env = {
      ...base,
      GROUP_MAX_MEMBERS: '500',
      GROUP_SYNC_CHUNK_SIZE: '25',
      GROUP_SYNC_MAX_RECEIVE_COUNT: '5',
      WEBHOOK_TOLERANCE_SECONDS: '60',
    };
    expect(receiverConfigFromEnv(env)).toMatchObject({ maxMembers: 500, toleranceSeconds: 60 });
    expect(workerConfigFromEnv(env)).toMatchObject({ maxMembers: 500, chunkSize: 25, maxReceiveCount: 5 });
  });

  it('names every bad variable at once', () => {
    expect(() => receiverConfigFromEnv({ GROUP_MAX_MEMBERS: 'lots' })).toThrow(
      /GROUPS_TABLE is required.*GROUP_MAX_MEMBERS.*WEBHOOK_SECRET_ID is required.*GROUP_SYNC_QUEUE_URL is required/,
    );
    expect(() => workerConfigFromEnv({ ...base, GROUP_SYNC_CHUNK_SIZE: '0' })).toThrow(
      /GROUP_SYNC_CHUNK_SIZE/,
    );
  });

  it('declares to the stack the variables each function reads', () => {
    const names = (fn: FunctionName) => functionSpec(fn).settings.map((s) => s.name);
    expect(names('sync-group').sort()).toEqual(
      [
        'GROUPS_TABLE',
        'GROUP_MAX_MEMBERS',
        'GROUP_SYNC_QUEUE_URL',
        'GROUP_SYNC_RECORD_TTL_DAYS',
        'WEBHOOK_SECRET_ID',
        'WEBHOOK_TOLERANCE_SECONDS',
      ].sort(),
    );
    expect(names('sync-group-worker').sort()).toEqual(
      [
        'GROUPS_TABLE',
        'GROUP_MAX_MEMBERS',
        'GROUP_SYNC_CHUNK_SIZE',
        'GROUP_SYNC_MAX_RECEIVE_COUNT',
        'GROUP_SYNC_RECORD_TTL_DAYS',
        'MESIBO_APP_TOKEN_SECRET_ID',
        'MESIBO_API_URL',
        'MESIBO_API_STYLE',
      ].sort(),
    );
  });
});
