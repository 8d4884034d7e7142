/**
 * Makes sure the system sender exists at mesibo (`message.from` must be an existing user) without a
 * mesibo call per notification: remembered in memory per container and, across containers, as a
 * marker in the idempotency table that expires after a day, so a sender deleted at mesibo comes back.
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
  const known = new Map<string, Promise<void>>();
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
      let pending = known.get(address);
      if (!pending) {
        pending = ensureOnce(address);
        known.set(address, pending);
        // A failure is not remembered: the next notification tries again.
        pending.catch(() => known.delete(address));
      }
      return pending;
    },
  };
};
