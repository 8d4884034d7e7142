/**
 * The console's view of system messages: the latest notifications with the same status the product's
 * `GET /v1/system-messages/{id}` answers, read through the same store. A scan for the status heads;
 * the local table is small.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationStatus, StatusStore } from '../../shared/system-messages/ports';

const HEAD = 'notify.status#';
const SHOWN = 50;

export const recentNotifications = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  store: StatusStore,
): Promise<NotificationStatus[]> => {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(id, :head)',
        ExpressionAttributeValues: { ':head': HEAD },
        ProjectionExpression: 'id',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const rest = String(item.id).slice(HEAD.length);
      // Heads only: a counter shard's id carries one more `#<n>`.
      if (!rest.includes('#')) ids.push(rest);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  const statuses = (await Promise.all(ids.map((id) => store.read(id)))).filter(
    (s): s is NotificationStatus => s !== undefined,
  );
  return statuses.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, SHOWN);
};
