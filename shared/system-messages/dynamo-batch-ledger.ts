/**
 * The batch ledger in the idempotency table (its layout: `id` key, `expiration` TTL in epoch seconds),
 * next to Powertools' own records, which use other ids. Every transition is a conditional write, so
 * two workers holding the same SQS message cannot both start or settle one attempt.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../ports';
import { isConditionFailure } from '../storage/condition-failure';
import { tableSpec } from '../storage/tables';
import type { BatchLedger, BatchRecord, BatchState, Claim } from './ports';

const TTL = tableSpec('idempotencyTable').ttlAttribute;

export const dynamoBatchLedger = (options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  /** How long a batch's outcome is remembered (longer than SQS keeps a message, 14 days at most). */
  retentionSeconds: number;
}): BatchLedger => {
  const { doc, tableName, clock } = options;
  const expiresAt = () => Math.floor(clock.now() / 1000) + options.retentionSeconds;

  const conditional = async (command: UpdateCommand): Promise<Record<string, unknown> | undefined> => {
    try {
      return (await doc.send(command)).Attributes ?? {};
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  };

  const startAttempt = (
    key: string,
    leaseUntil: number,
    condition: string,
    values: Record<string, unknown>,
  ) =>
    new UpdateCommand({
      TableName: tableName,
      Key: { id: key },
      UpdateExpression:
        'SET #state = :sending, #lease = :lease, #ttl = :ttl, #updated = :now ADD #attempts :one',
      ConditionExpression: condition,
      ExpressionAttributeNames: {
        // DynamoDB refuses names the expressions do not use.
        ...(condition.includes('#id') ? { '#id': 'id' } : {}),
        '#state': 'state',
        '#lease': 'leaseUntil',
        '#ttl': TTL,
        '#updated': 'updatedAt',
        '#attempts': 'attempts',
      },
      ExpressionAttributeValues: {
        ':sending': 'sending',
        ':lease': leaseUntil,
        ':ttl': expiresAt(),
        ':now': clock.now(),
        ':one': 1,
        ...values,
      },
      ReturnValues: 'ALL_NEW',
    });

  const read = async (key: string): Promise<BatchRecord | undefined> => {
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: { id: key }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      state: Item.state as BatchState,
      attempts: Number(Item.attempts ?? 0),
      leaseUntil: Number(Item.leaseUntil ?? 0),
    };
  };

  return {
    async claim(key, leaseUntil): Promise<Claim> {
      const started = await conditional(
        startAttempt(key, leaseUntil, 'attribute_not_exists(#id) OR #state = :retry', { ':retry': 'retry' }),
      );
      if (started) return { claimed: true, attempts: Number(started.attempts) };
      return { claimed: false, record: await read(key) };
    },

    async takeOver(key, seenAttempts, leaseUntil) {
      const started = await conditional(
        startAttempt(key, leaseUntil, '#state = :current AND #attempts = :seen', {
          ':current': 'sending',
          ':seen': seenAttempts,
        }),
      );
      return started ? Number(started.attempts) : undefined;
    },

    async settle(key, attempts, state, detail = {}) {
      const done = await conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { id: key },
          UpdateExpression: 'SET #state = :state, #outcome = :outcome, #updated = :now',
          ConditionExpression: '#state = :sending AND #attempts = :attempts',
          ExpressionAttributeNames: {
            '#state': 'state',
            '#outcome': 'outcome',
            '#updated': 'updatedAt',
            '#attempts': 'attempts',
          },
          ExpressionAttributeValues: {
            ':state': state,
            // Plain JSON: drops undefined members the marshaller would refuse.
            ':outcome': JSON.parse(JSON.stringify(detail)),
            ':now': clock.now(),
            ':sending': 'sending',
            ':attempts': attempts,
          },
        }),
      );
      return done !== undefined;
    },
  };
};
