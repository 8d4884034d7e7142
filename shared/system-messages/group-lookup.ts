/** `{ group: { key } }` → the mesibo gid group sync recorded, through group sync's own state store. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoGroupState } from '../group-sync/dynamo-state';
import { systemClock } from '../ports';
import type { FindGid } from './ports';

export const groupGidLookup = (options: { doc: DynamoDBDocumentClient; tableName: string }): FindGid => {
  // Only getMeta is used: reads need neither the clock nor the retention the store writes with.
  const groups = dynamoGroupState({ ...options, clock: systemClock, recordTtlSeconds: 0 });
  return async (key) => {
    const meta = await groups.getMeta(key);
    return meta && !meta.deleted && !meta.deleting ? meta.gid : undefined;
  };
};
