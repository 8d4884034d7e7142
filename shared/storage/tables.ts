/**
 * DynamoDB table layouts, shared by the stack (infra/), the local stack and the tests, so all
 * three create the same tables. Every table has a string partition key `pk`, a string sort key
 * `sk` (except idempotency, whose layout Powertools owns) and a numeric TTL attribute.
 */
export interface TableSpec {
  /** Key into the function catalogue's resources and the stack's construct ids. */
  id: 'usersTable' | 'groupsTable' | 'idempotencyTable';
  /** Environment variable that carries the table name to functions. */
  envVar: string;
  partitionKey: string;
  sortKey?: string;
  /** Epoch-seconds attribute DynamoDB TTL deletes by. `ttl` is a reserved word: always alias it. */
  ttlAttribute: string;
}

export const tableSpecs: readonly TableSpec[] = [
  /** User token cache: pk = user address, sk = `appid#<appid>` (and lease items). */
  { id: 'usersTable', envVar: 'USERS_TABLE', partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' },
  /** Group sync state: key→gid mapping, applied members (one item each), deliveries, progress. */
  { id: 'groupsTable', envVar: 'GROUPS_TABLE', partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' },
  /** Powertools idempotency records (its default layout: `id` key, `expiration` TTL). */
  { id: 'idempotencyTable', envVar: 'IDEMPOTENCY_TABLE', partitionKey: 'id', ttlAttribute: 'expiration' },
];

export const tableSpec = (id: TableSpec['id']): TableSpec => {
  const spec = tableSpecs.find((t) => t.id === id);
  if (!spec) throw new Error(`unknown table ${id}`);
  return spec;
};
