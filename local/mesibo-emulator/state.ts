/**
 * The emulator's in-memory mesibo app: users (stable uids, tokens), groups (members keyed by
 * address) and sent messages. Ops are plain functions over this model; they know nothing of HTTP
 * or of either transport, so the JSON and legacy APIs share one behaviour.
 */
import type { EmulatorGroup, EmulatorMessage, EmulatorUser } from './control';
import { badValue } from './failure';

export interface Permissions {
  send: boolean;
  recv: boolean;
  pub: boolean;
  sub: boolean;
  list: boolean;
}

export const ALL_PERMISSIONS: Readonly<Permissions> = {
  send: true,
  recv: true,
  pub: true,
  sub: true,
  list: true,
};

export interface TokenRecord {
  token: string;
  appid: string;
  issuedAt: number;
  expiresAt: number | null;
  v2: boolean;
}

export interface UserRecord {
  uid: number;
  address: string;
  name?: string;
  active: boolean;
  tokens: TokenRecord[];
}

export interface GroupRecord {
  gid: number;
  name?: string;
  flags: number;
  active: boolean;
  /** Keyed by address: 10,000-member groups must not be scanned linearly. */
  members: Map<string, Permissions>;
}

export interface MesiboModel {
  users: Map<number, UserRecord>;
  uidByAddress: Map<string, number>;
  groups: Map<number, GroupRecord>;
  messages: EmulatorMessage[];
  nextUid: number;
  nextGid: number;
  nextMid: number;
}

/** Distinct ranges make a uid passed as a gid (or the reverse) fail loudly in tests. */
const FIRST_UID = 1001;
const FIRST_GID = 50001;
const FIRST_MID = 1;

export const createModel = (): MesiboModel => ({
  users: new Map(),
  uidByAddress: new Map(),
  groups: new Map(),
  messages: [],
  nextUid: FIRST_UID,
  nextGid: FIRST_GID,
  nextMid: FIRST_MID,
});

/** A user named by address, by uid, or both (then both must name the same user). */
export interface UserRef {
  address?: string;
  uid?: number;
}

export interface MemberChange {
  addresses: string[];
  remove: boolean;
  permissions: Permissions;
}

export interface GroupFields {
  name?: string;
  flags?: number;
  active?: boolean;
  members?: MemberChange;
}

export type OpRequest =
  | {
      op: 'useradd';
      address: string;
      name?: string;
      active?: boolean;
      token?: { appid: string; expiryMinutes: number; v2: boolean };
    }
  | { op: 'userset'; user: UserRef; name?: string; active?: boolean; removeTokens?: { appid?: string } }
  | { op: 'userdel'; user: UserRef }
  | { op: 'usersget'; address?: string; count?: number }
  | ({ op: 'groupadd' } & GroupFields)
  | ({ op: 'groupset'; gid: number } & GroupFields)
  | { op: 'groupdel'; gid: number }
  | { op: 'groupeditmembers'; gid: number; members: MemberChange }
  | { op: 'groupgetmembers'; gid: number; count?: number }
  | {
      op: 'message';
      from: string;
      to: string[];
      gid?: number;
      type: number;
      expirySeconds: number;
      whenSeconds: number;
      title?: string;
      url?: string;
      message?: string;
    };

export type OpName = OpRequest['op'];

export interface OpContext {
  now: () => number;
  newToken: () => string;
  /** A one-time password as mesibo hands it out (digits). */
  newOtp: () => string;
  maxList: number;
}

/** Ops that only read the model: everything else is journaled when the emulator persists. */
export const READ_ONLY_OPS: ReadonlySet<OpName> = new Set<OpName>(['usersget', 'groupgetmembers']);

/** The op-specific fields of a success envelope. */
export type OpResult = Record<string, unknown>;

const unknownUser = (ref: UserRef) =>
  badValue(
    `no user with ${ref.address !== undefined ? `address ${ref.address}` : `uid ${ref.uid}`}`,
    'create the user with useradd first, or check the address/uid',
    { fields: ref.address !== undefined ? ['address'] : ['uid'] },
  );

const unknownGroup = (gid: number) =>
  badValue(`no group with gid ${gid}`, 'create the group with groupadd first, or check the gid', {
    fields: ['gid'],
  });

const findUser = (model: MesiboModel, ref: UserRef): UserRecord => {
  const byAddress = ref.address === undefined ? undefined : model.uidByAddress.get(ref.address);
  if (ref.address !== undefined && byAddress === undefined) throw unknownUser({ address: ref.address });
  if (ref.uid !== undefined) {
    if (!model.users.has(ref.uid)) throw unknownUser({ uid: ref.uid });
    if (byAddress !== undefined && byAddress !== ref.uid) {
      throw badValue('the address and the uid name different users', 'send only one of address and uid', {
        fields: ['address', 'uid'],
      });
    }
    return model.users.get(ref.uid)!;
  }
  return model.users.get(byAddress!)!;
};

const findGroup = (model: MesiboModel, gid: number): GroupRecord => {
  const group = model.groups.get(gid);
  if (!group) throw unknownGroup(gid);
  return group;
};

const MINUTE_MS = 60_000;

const useradd = (
  model: MesiboModel,
  ctx: OpContext,
  req: Extract<OpRequest, { op: 'useradd' }>,
): OpResult => {
  const existingUid = model.uidByAddress.get(req.address);
  let user = existingUid === undefined ? undefined : model.users.get(existingUid);
  if (!user) {
    user = { uid: model.nextUid++, address: req.address, active: true, tokens: [] };
    model.users.set(user.uid, user);
    model.uidByAddress.set(user.address, user.uid);
  }
  if (req.name !== undefined) user.name = req.name;
  if (req.active !== undefined) user.active = req.active;
  if (!req.token) return { user: { uid: user.uid } };
  const issuedAt = ctx.now();
  const record: TokenRecord = {
    token: ctx.newToken(),
    appid: req.token.appid,
    issuedAt,
    expiresAt: req.token.expiryMinutes === 0 ? null : issuedAt + req.token.expiryMinutes * MINUTE_MS,
    v2: req.token.v2,
  };
  // Re-issue adds a token: earlier ones stay valid until they expire or are removed (see the README's
  // conventions). Expired ones are dropped here, so repeated logins do not grow the list forever.
  user.tokens = [...user.tokens.filter((t) => t.expiresAt === null || t.expiresAt > issuedAt), record];
  return { user: { uid: user.uid, token: record.token } };
};

const userset = (model: MesiboModel, req: Extract<OpRequest, { op: 'userset' }>): OpResult => {
  const user = findUser(model, req.user);
  if (req.name !== undefined) user.name = req.name;
  if (req.active !== undefined) user.active = req.active;
  if (req.removeTokens) {
    const { appid } = req.removeTokens;
    user.tokens = appid === undefined ? [] : user.tokens.filter((t) => t.appid !== appid);
  }
  return {};
};

const userdel = (model: MesiboModel, req: Extract<OpRequest, { op: 'userdel' }>): OpResult => {
  const user = findUser(model, req.user);
  model.users.delete(user.uid);
  model.uidByAddress.delete(user.address);
  return {};
};

/** `*` matches any run of characters; everything else is literal. */
const wildcardMatcher = (pattern: string): ((address: string) => boolean) => {
  if (!pattern.includes('*')) return (address) => address === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`);
  return (address) => regex.test(address);
};

/** A requested list size, capped by the emulator's maxList (0 or absent = the cap). */
const listLimit = (ctx: OpContext, count: number | undefined) =>
  count === undefined || count === 0 ? ctx.maxList : Math.min(count, ctx.maxList);

const usersget = (
  model: MesiboModel,
  ctx: OpContext,
  req: Extract<OpRequest, { op: 'usersget' }>,
): OpResult => {
  const limit = listLimit(ctx, req.count);
  const matches = req.address === undefined ? () => true : wildcardMatcher(req.address);
  const users: { uid: number; address: string; name?: string; active: boolean }[] = [];
  for (const user of model.users.values()) {
    if (users.length >= limit) break;
    if (!matches(user.address)) continue;
    users.push({
      uid: user.uid,
      address: user.address,
      ...(user.name === undefined ? {} : { name: user.name }),
      active: user.active,
    });
  }
  return { users, count: users.length };
};

const editMembers = (group: GroupRecord, change: MemberChange) => {
  for (const address of change.addresses) {
    // Removing a non-member is a no-op; adding an existing member updates its permissions.
    if (change.remove) group.members.delete(address);
    else group.members.set(address, { ...change.permissions });
  }
};

const applyGroupFields = (group: GroupRecord, fields: GroupFields) => {
  if (fields.name !== undefined) group.name = fields.name;
  if (fields.flags !== undefined) group.flags = fields.flags;
  if (fields.active !== undefined) group.active = fields.active;
  if (fields.members) editMembers(group, fields.members);
};

const groupadd = (model: MesiboModel, req: Extract<OpRequest, { op: 'groupadd' }>): OpResult => {
  const group: GroupRecord = { gid: model.nextGid++, flags: 0, active: true, members: new Map() };
  applyGroupFields(group, req);
  model.groups.set(group.gid, group);
  return { group: { gid: group.gid } };
};

const groupset = (model: MesiboModel, req: Extract<OpRequest, { op: 'groupset' }>): OpResult => {
  const group = findGroup(model, req.gid);
  applyGroupFields(group, req);
  return { group: { gid: group.gid } };
};

const groupdel = (model: MesiboModel, req: Extract<OpRequest, { op: 'groupdel' }>): OpResult => {
  findGroup(model, req.gid);
  model.groups.delete(req.gid);
  return {};
};

const groupeditmembers = (
  model: MesiboModel,
  req: Extract<OpRequest, { op: 'groupeditmembers' }>,
): OpResult => {
  editMembers(findGroup(model, req.gid), req.members);
  return {};
};

const groupgetmembers = (
  model: MesiboModel,
  ctx: OpContext,
  req: Extract<OpRequest, { op: 'groupgetmembers' }>,
): OpResult => {
  const group = findGroup(model, req.gid);
  const limit = listLimit(ctx, req.count);
  const members: { uid?: number; address: string; permissions: Permissions }[] = [];
  for (const [address, permissions] of group.members) {
    if (members.length >= limit) break;
    const uid = model.uidByAddress.get(address);
    members.push({ ...(uid === undefined ? {} : { uid }), address, permissions: { ...permissions } });
  }
  return { gid: group.gid, count: group.members.size, members };
};

const message = (
  model: MesiboModel,
  ctx: OpContext,
  req: Extract<OpRequest, { op: 'message' }>,
): OpResult => {
  if (!model.uidByAddress.has(req.from)) {
    throw badValue(`the sender ${req.from} is not a mesibo user`, 'create the sender with useradd first', {
      fields: ['from'],
    });
  }
  if (req.gid !== undefined) findGroup(model, req.gid);
  const mid = model.nextMid++;
  model.messages.push({
    mid,
    from: req.from,
    to: req.gid === undefined ? req.to : [],
    ...(req.gid === undefined ? {} : { gid: req.gid }),
    type: req.type,
    expiry: req.expirySeconds,
    when: req.whenSeconds,
    ...(req.title === undefined ? {} : { title: req.title }),
    ...(req.url === undefined ? {} : { url: req.url }),
    ...(req.message === undefined ? {} : { message: req.message }),
    at: ctx.now(),
  });
  return { mid };
};

/** Applies one op to the model; throws `ApiFailure` for an op-level failure. */
export const applyOp = (model: MesiboModel, ctx: OpContext, req: OpRequest): OpResult => {
  switch (req.op) {
    case 'useradd':
      return useradd(model, ctx, req);
    case 'userset':
      return userset(model, req);
    case 'userdel':
      return userdel(model, req);
    case 'usersget':
      return usersget(model, ctx, req);
    case 'groupadd':
      return groupadd(model, req);
    case 'groupset':
      return groupset(model, req);
    case 'groupdel':
      return groupdel(model, req);
    case 'groupeditmembers':
      return groupeditmembers(model, req);
    case 'groupgetmembers':
      return groupgetmembers(model, ctx, req);
    case 'message':
      return message(model, ctx, req);
  }
};

/** The model as plain data for `/_emulator/state`; token values only when asked for. */
export const snapshotModel = (
  model: MesiboModel,
  includeTokens: boolean,
): { users: EmulatorUser[]; groups: EmulatorGroup[]; messages: EmulatorMessage[] } => ({
  users: [...model.users.values()].map((u) => ({
    uid: u.uid,
    address: u.address,
    ...(u.name === undefined ? {} : { name: u.name }),
    active: u.active,
    tokens: u.tokens.map((t) => ({
      appid: t.appid,
      issuedAt: t.issuedAt,
      expiresAt: t.expiresAt,
      v2: t.v2,
      ...(includeTokens ? { token: t.token } : {}),
    })),
  })),
  groups: [...model.groups.values()].map((g) => ({
    gid: g.gid,
    ...(g.name === undefined ? {} : { name: g.name }),
    flags: g.flags,
    active: g.active,
    members: [...g.members].map(([address, permissions]) => ({ address, permissions: { ...permissions } })),
  })),
  messages: model.messages.map((m) => ({ ...m, to: [...m.to] })),
});
