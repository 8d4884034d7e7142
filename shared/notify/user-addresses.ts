/**
 * The `{ allUsers: true }` audience: every address cached in the users table, read one Scan page at a
 * time. A user has one item per appid (`sk = appid#<appid>`), and DynamoDB keeps all items of a
 * partition key together and returns them consecutively, so comparing with the previous address is
 * enough to list each user once, in constant memory, even when a page ends inside a user's items.
 * Only the key attributes are read: tokens never leave the table here.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { UserAddressPages } from './ports';

export const USER_ITEM_PREFIX = 'appid#';

export const scanUserAddresses = (options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  pageSize: number;
}): UserAddressPages =>
  async function* () {
    let previous: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await options.doc.send(
        new ScanCommand({
          TableName: options.tableName,
          Limit: options.pageSize,
          ProjectionExpression: 'pk, sk',
          // Other items (e.g. in-flight leases) share the table; only appid items are users.
          FilterExpression: 'begins_with(sk, :user)',
          ExpressionAttributeValues: { ':user': USER_ITEM_PREFIX },
          ExclusiveStartKey: startKey,
        }),
      );
      const addresses: string[] = [];
      for (const item of page.Items ?? []) {
        const address = item.pk;
        if (typeof address !== 'string' || address === previous) continue;
        addresses.push(address);
        previous = address;
      }
      if (addresses.length > 0) yield addresses;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  };
