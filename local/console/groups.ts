/**
 * Group sync's key→gid mapping as the console shows it: every group a webhook named, by the
 * customer's key, with the mesibo gid (none until the group is created) and the member count group
 * sync holds. A scan of the meta items; the local table is small.
 */
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { META } from '../../shared/group-sync/dynamo-state';

export interface SyncedGroup {
  key: string;
  gid?: number;
  name?: string;
  memberCount: number;
  state: 'active' | 'creating' | 'deleting' | 'deleted';
}

const stateOf = (item: Record<string, unknown>): SyncedGroup['state'] =>
  item.deleted ? 'deleted' : item.deleting ? 'deleting' : item.gid === undefined ? 'creating' : 'active';

export const syncedGroups = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<SyncedGroup[]> => {
  const groups: SyncedGroup[] = [];
  const pages = paginateScan(
    { client: doc },
    {
      TableName: tableName,
      FilterExpression: 'sk = :meta',
      ExpressionAttributeValues: { ':meta': META },
      ProjectionExpression: '#key, gid, #name, memberCount, deleted, deleting',
      ExpressionAttributeNames: { '#key': 'key', '#name': 'name' },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      if (typeof item.key !== 'string') continue;
      groups.push({
        key: item.key,
        ...(typeof item.gid === 'number' ? { gid: item.gid } : {}),
        ...(typeof item.name === 'string' ? { name: item.name } : {}),
        memberCount: typeof item.memberCount === 'number' ? item.memberCount : 0,
        state: stateOf(item),
      });
    }
  }
  return groups.sort((a, b) => a.key.localeCompare(b.key));
};
