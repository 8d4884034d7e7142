/**
 * Per-notification progress in the idempotency table, next to the batch ledger: one head item
 * (`notify.status#<id>`: audience, totals once known, phase) and SHARDS counter items
 * (`notify.status#<id>#<n>`, a top-level batch's counts in shard `batch % SHARDS`).
 *
 * Without transactions (the ledger and the counters are separate items), a count must be safe to
 * repeat: every ADD also adds the counted part's key to the shard's `counted` set, on condition that
 * the key is not there yet. A worker that died between settling a batch and counting it counts it
 * when the batch is seen again. Sharding keeps each set small (a batch key is a few bytes).
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../ports';
import { isConditionFailure } from '../storage/condition-failure';
import { tableSpec } from '../storage/tables';
import type { CountedOutcome, FailureReason, NotificationStatus, StatusStore } from './ports';

const TTL = tableSpec('idempotencyTable').ttlAttribute;
export const STATUS_SHARDS = 8;
const REASONS: readonly FailureReason[] = ['rejected', 'outcome-unknown', 'dead-lettered'];

const headKey = (id: string) => `notify.status#${id}`;
const shardKey = (id: string, top: number) => `${headKey(id)}#${top % STATUS_SHARDS}`;
const reasonAttr = (reason: FailureReason) => `fail_${reason}`;

export const dynamoStatusStore = (options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  retentionSeconds: number;
}): StatusStore => {
  const { doc, tableName: TableName, clock } = options;
  const ttl = () => Math.floor(clock.now() / 1000) + options.retentionSeconds;

  const conditional = async (command: UpdateCommand): Promise<boolean> => {
    try {
      await doc.send(command);
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  };

  /**
   * ADDs `counts` to a shard and `keys` to its `counted` set, only while none of `absent` is counted
   * (and `present` is, when given).
   */
  const addOnce = (
    id: string,
    top: number,
    counts: Record<string, number>,
    keys: string[],
    condition: { absent: string[]; present?: string },
  ) => {
    const names: Record<string, string> = { '#counted': 'counted', '#ttl': TTL, '#updated': 'updatedAt' };
    const values: Record<string, unknown> = {
      ':keys': new Set(keys),
      ':ttl': ttl(),
      ':now': clock.now(),
    };
    const adds = Object.entries(counts).map(([attr, n], i) => {
      names[`#c${i}`] = attr;
      values[`:c${i}`] = n;
      return `#c${i} :c${i}`;
    });
    const conditions = condition.absent.map((k, i) => {
      values[`:a${i}`] = k;
      return `NOT contains(#counted, :a${i})`;
    });
    if (condition.present) {
      values[':p'] = condition.present;
      conditions.push('contains(#counted, :p)');
    }
    return conditional(
      new UpdateCommand({
        TableName,
        Key: { id: shardKey(id, top) },
        UpdateExpression: `SET #ttl = if_not_exists(#ttl, :ttl), #updated = :now ADD #counted :keys, ${adds.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  };

  const deadLetterKey = (top: number) => `dl:${top}`;

  const setPhase = (id: string, phase: string, from: string[]) =>
    conditional(
      new UpdateCommand({
        TableName,
        Key: { id: headKey(id) },
        UpdateExpression: 'SET #phase = :phase, #updated = :now',
        ConditionExpression: `#phase IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#phase': 'phase', '#updated': 'updatedAt' },
        ExpressionAttributeValues: {
          ':phase': phase,
          ':now': clock.now(),
          ...Object.fromEntries(from.map((f, i) => [`:from${i}`, f])),
        },
      }),
    );

  return {
    async begin(id, init) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { id: headKey(id) },
            UpdateExpression:
              'SET #audience = :audience, #phase = :phase, #total = :total, #batches = :batches, #scheduledFor = :scheduledFor, #created = if_not_exists(#created, :now), #updated = :now, #ttl = :ttl',
            // Only the first acceptance (or a schedule firing) sets it up; a rerun must not reset progress.
            ConditionExpression: 'attribute_not_exists(#id) OR #phase = :scheduled',
            ExpressionAttributeNames: {
              '#id': 'id',
              '#audience': 'audience',
              '#phase': 'phase',
              '#total': 'total',
              '#batches': 'batches',
              '#scheduledFor': 'scheduledFor',
              '#created': 'createdAt',
              '#updated': 'updatedAt',
              '#ttl': TTL,
            },
            ExpressionAttributeValues: {
              ':audience': init.audience,
              ':phase': init.phase,
              ':total': init.total ?? null,
              ':batches': init.batches ?? null,
              ':scheduledFor': init.scheduledFor ?? null,
              ':now': clock.now(),
              ':ttl': ttl(),
              ':scheduled': 'scheduled',
            },
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    },

    async expanding(id) {
      // From accepted, or from a dead-lettered expansion that was redriven.
      await setPhase(id, 'expanding', ['accepted', 'expansion-failed']);
    },

    async expansionFailed(id) {
      await setPhase(id, 'expansion-failed', ['accepted', 'expanding']);
    },

    async expanded(id, { total, batches }) {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { id: headKey(id) },
          UpdateExpression: 'SET #phase = :sending, #total = :total, #batches = :batches, #updated = :now',
          ExpressionAttributeNames: {
            '#phase': 'phase',
            '#total': 'total',
            '#batches': 'batches',
            '#updated': 'updatedAt',
          },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':total': total,
            ':batches': batches,
            ':now': clock.now(),
          },
        }),
      );
    },

    async countPart(id, top, part, outcome: CountedOutcome) {
      const counts: Record<string, number> = { [outcome.state]: outcome.recipients };
      if (outcome.reason) counts[reasonAttr(outcome.reason)] = outcome.recipients;
      const dl = deadLetterKey(top);
      if (await addOnce(id, top, counts, [part], { absent: [part, dl] })) return;
      // Refused: counted already, or its batch was dead-lettered and it has now been sent after a
      // redrive, in which case its recipients move from the dead-lettered count to this outcome.
      const moved = {
        ...counts,
        failed: (counts.failed ?? 0) - outcome.recipients,
        [reasonAttr('dead-lettered')]: -outcome.recipients,
      };
      await addOnce(id, top, moved, [part], { absent: [part], present: dl });
    },

    async countBatchDone(id, top) {
      await addOnce(id, top, { batchesDone: 1 }, [`b:${top}`], { absent: [`b:${top}`] });
    },

    async countDeadLettered(id, top, recipients) {
      const dl = deadLetterKey(top);
      await addOnce(
        id,
        top,
        { failed: recipients, [reasonAttr('dead-lettered')]: recipients, batchesDone: 1 },
        [dl, `b:${top}`],
        { absent: [dl, `b:${top}`] },
      );
    },

    async read(id): Promise<NotificationStatus | undefined> {
      const { Item: head } = await doc.send(
        new GetCommand({ TableName, Key: { id: headKey(id) }, ConsistentRead: true }),
      );
      if (!head) return undefined;
      const keys = Array.from({ length: STATUS_SHARDS }, (_, n) => ({ id: `${headKey(id)}#${n}` }));
      const shards: Record<string, unknown>[] = [];
      let pending: typeof keys = keys;
      while (pending.length > 0) {
        const out = await doc.send(
          new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        shards.push(...(out.Responses?.[TableName] ?? []));
        pending = (out.UnprocessedKeys?.[TableName]?.Keys ?? []) as typeof keys;
      }
      const sum = (attr: string) => shards.reduce((n, s) => n + Number(s[attr] ?? 0), 0);
      const sent = sum('sent');
      const failed = sum('failed');
      const unknown = sum('unknown');
      const batchesDone = sum('batchesDone');
      const total = typeof head.total === 'number' ? head.total : undefined;
      const batches = typeof head.batches === 'number' ? head.batches : undefined;
      const updatedAt = Math.max(Number(head.updatedAt), ...shards.map((s) => Number(s.updatedAt ?? 0)));
      const state = ((): NotificationStatus['state'] => {
        const phase = String(head.phase);
        if (['scheduled', 'accepted', 'expanding', 'expansion-failed'].includes(phase)) {
          return phase as NotificationStatus['state'];
        }
        if (batches === undefined || batchesDone < batches) return 'sending';
        return failed + unknown > 0 ? 'done-with-failures' : 'done';
      })();
      return {
        notificationId: id,
        state,
        audience: head.audience as NotificationStatus['audience'],
        ...(typeof head.scheduledFor === 'string' ? { scheduledFor: head.scheduledFor } : {}),
        recipients: {
          ...(total === undefined ? {} : { total, pending: Math.max(0, total - sent - failed - unknown) }),
          sent,
          unknown,
          failed,
        },
        batches: { ...(batches === undefined ? {} : { total: batches }), done: batchesDone },
        failures: REASONS.map((reason) => ({ reason, count: sum(reasonAttr(reason)) })).filter(
          (f) => f.count > 0,
        ),
        createdAt: new Date(Number(head.createdAt)).toISOString(),
        updatedAt: new Date(updatedAt).toISOString(),
      };
    },
  };
};
