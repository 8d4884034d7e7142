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
  // Promises, so concurrent first uses in one container make one useradd; each resolves to the
  // marker's expiry (epoch seconds), after which this container checks again.
  const known = new Map<string, Promise<number>>();
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  const ensureOnce = async (address: string): Promise<number> => {
    const id = `notify.sender#${address}`;
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { id } }));
    const marked = Number(Item?.[TTL]);
    if (marked > nowSeconds()) return marked;
    // Without token options useradd only creates (or leaves as is) the user; no token is issued.
    await mesibo.useradd({ address });
    const until = nowSeconds() + SENDER_MARKER_SECONDS;
    await doc.send(new PutCommand({ TableName: tableName, Item: { id, [TTL]: until } }));
    return until;
  };

  const check = (address: string): Promise<number> => {
    const pending = ensureOnce(address);
    known.set(address, pending);
    // A failure is not remembered: the next notification tries again.
    pending.catch(() => {
      if (known.get(address) === pending) known.delete(address);
    });
    return pending;
  };

  return {
    async ensure(address) {
      const current = known.get(address) ?? check(address);
      if ((await current) > nowSeconds()) return;
      // Expired: the first caller to notice starts the next check, the others wait for it.
      const latest = known.get(address);
      await (latest === undefined || latest === current ? check(address) : latest);
    },
  };
};
