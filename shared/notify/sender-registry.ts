/**
 * Makes sure the system sender exists at mesibo (`message.from` must be an existing user) without a
 * mesibo call per notification: remembered in memory per container and, across containers, as a
 * marker in the idempotency table. Both expire after a day, so a sender deleted at mesibo comes back
 * even in a container that stays warm.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { MesiboClient } from '../mesibo/types';
import type { Clock } from '../ports';
import { tableSpec } from '../storage/tables';
import type { SenderRegistry } from './ports';

const TTL = tableSpec('idempotencyTable').ttlAttribute;
export const SENDER_MARKER_SECONDS = 86_400;

export const senderRegistry = (options: {
  mesibo: MesiboClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}): SenderRegistry => {
  const { mesibo, doc, tableName, clock } = options;
  // Promises, so concurrent first uses in one container make one useradd.
  const known = new Map<string, { pending: Promise<void>; checkedAt: number }>();
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  const ensureOnce = async (address: string) => {
    const id = `notify.sender#${address}`;
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { id } }));
    if (Item && Number(Item[TTL]) > nowSeconds()) return;
    // Without token options useradd only creates (or leaves as is) the user; no token is issued.
    await mesibo.useradd({ address });
    await doc.send(
      new PutCommand({ TableName: tableName, Item: { id, [TTL]: nowSeconds() + SENDER_MARKER_SECONDS } }),
    );
  };

  return {
    ensure(address) {
      const entry = known.get(address);
      if (entry && clock.now() - entry.checkedAt < SENDER_MARKER_SECONDS * 1000) return entry.pending;
      const fresh = { pending: ensureOnce(address), checkedAt: clock.now() };
      known.set(address, fresh);
      // A failure is not remembered: the next notification tries again.
      fresh.pending.catch(() => {
        if (known.get(address) === fresh) known.delete(address);
      });
      return fresh.pending;
    },
  };
};
