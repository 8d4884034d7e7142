/**
 * The `{ allUsers: true }` audience: every address cached in the users table, one Scan page per
 * expansion step. A user has one item per appid (`sk = appid#<appid>`), and DynamoDB keeps all items of
 * a partition key together and returns them consecutively, so each page lists each user once; the
 * expansion step drops a first address equal to the previous page's last one. Only the key attributes
 * are read: tokens never leave the table here.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { UserAddressPage } from './ports';

export const USER_ITEM_PREFIX = 'appid#';

export const scanUserAddressPage = (options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): UserAddressPage =>
  async function scanPage({ cursor, pageSize }) {
    const page = await options.doc.send(
      new ScanCommand({
        TableName: options.tableName,
        Limit: pageSize,
        ProjectionExpression: 'pk, sk',
        // Other items (e.g. in-flight leases) share the table; only appid items are users.
        FilterExpression: 'begins_with(sk, :user)',
        ExpressionAttributeValues: { ':user': USER_ITEM_PREFIX },
        ExclusiveStartKey: cursor,
      }),
    );
    const addresses: string[] = [];
    for (const item of page.Items ?? []) {
      const address = item.pk;
      if (typeof address === 'string' && address !== addresses[addresses.length - 1]) addresses.push(address);
    }
    return { addresses, next: page.LastEvaluatedKey as Record<string, string> | undefined };
  };
