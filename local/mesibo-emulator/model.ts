/**
 * The emulator's in-memory mesibo app: users (stable uids, tokens), one-time passwords, groups
 * (members keyed by address) and sent messages. Ops are plain functions over this model; they know
 * nothing of HTTP or of either transport, so the JSON and flat (legacy form) APIs share one
 * behaviour. Every field a request may carry is kept here, so tests can see what was sent.
 */
import type { EmulatorGroup, EmulatorMessage, EmulatorOtp, EmulatorUser } from './control';
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

/** Fields a request carried beyond the ones the emulator reads, kept as sent. */
export type Extra = Record<string, unknown>;

export interface TokenRecord {
  token: string;
  /** null for a v2 token issued without an appid (v2 binds to platform identifiers instead). */
  appid: string | null;
  issuedAt: number;
  expiresAt: number | null;
  v2: boolean;
  /** The token's other request fields (session, device, package, bundle, url, platform switches...). */
  options?: Extra;
}

export interface UserRecord {
  uid: number;
  address: string;
  name?: string;
  active: boolean;
  flags?: number;
  /** Legacy `groups`: the maximum number of groups. */
  groups?: number;
  extra?: Extra;
  tokens: TokenRecord[];
}

export interface OtpRecord {
  code: string;
  issuedAt: number;
  expiresAt: number;
  triesLeft: number;
  reuse: boolean;
}

export interface MemberRecord {
  permissions: Permissions;
  admin?: Extra;
}

export interface GroupRecord {
  gid: number;
  name?: string;
  flags: number;
  active: boolean;
  /** Seconds, as sent. */
  expiry?: number;
  expiryext?: number;
  extra?: Extra;
  /** Keyed by address: 10,000-member groups must not be scanned linearly. */
  members: Map<string, MemberRecord>;
}

export interface MesiboModel {
  users: Map<number, UserRecord>;
  uidByAddress: Map<string, number>;
  otps: Map<string, OtpRecord>;
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
  otps: new Map(),
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
  admin?: Extra;
}

export interface GroupFields {
  name?: string;
  flags?: number;
  active?: boolean;
  expiry?: number;
  expiryext?: number;
  members?: MemberChange;
  extra?: Extra;
}

export interface TokenRequest {
  /** Required for v1 tokens; a v2 token may go without. */
  appid?: string;
  expiryMinutes: number;
  v2: boolean;
  options?: Extra;
}

export interface UserFields {
  name?: string;
  active?: boolean;
  flags?: number;
  groups?: number;
  extra?: Extra;
}

export type OpRequest =
  | ({ op: 'useradd'; address: string; otp?: string; token?: TokenRequest } & UserFields)
  | { op: 'usertoken'; user: UserRef; token: TokenRequest }
  | ({ op: 'userset'; user: UserRef; removeTokens?: { appid?: string } } & UserFields)
  | { op: 'userdel'; user: UserRef }
  | { op: 'usersget'; address?: string; count?: number }
  | { op: 'otp'; address: string; tries: number; expirySeconds: number; reuse: boolean }
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
      flags?: number | null;
      forced?: boolean;
      channel?: number;
      extra?: Extra;
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
const SECOND_MS = 1000;

const hasKeys = (value: Extra | undefined): value is Extra =>
  value !== undefined && Object.keys(value).length > 0;

const mergeExtra = (current: Extra | undefined, added: Extra | undefined): Extra | undefined =>
  hasKeys(added) ? { ...current, ...added } : current;

const applyUserFields = (user: UserRecord, fields: UserFields) => {
  if (fields.name !== undefined) user.name = fields.name;
  if (fields.active !== undefined) user.active = fields.active;
  if (fields.flags !== undefined) user.flags = fields.flags;
  if (fields.groups !== undefined) user.groups = fields.groups;
  const extra = mergeExtra(user.extra, fields.extra);
  if (extra) user.extra = extra;
};

/**
 * Adds a token; earlier ones stay valid until they expire or are removed (see the README's
 * conventions). Expired ones are dropped here, so repeated logins do not grow the list forever.
 */
const issueToken = (user: UserRecord, ctx: OpContext, req: TokenRequest): TokenRecord => {
  const issuedAt = ctx.now();
  const record: TokenRecord = {
    token: ctx.newToken(),
    appid: req.appid ?? null,
    issuedAt,
    expiresAt: req.expiryMinutes === 0 ? null : issuedAt + req.expiryMinutes * MINUTE_MS,
    v2: req.v2,
    ...(hasKeys(req.options) ? { options: req.options } : {}),
  };
  user.tokens = [...user.tokens.filter((t) => t.expiresAt === null || t.expiresAt > issuedAt), record];
  return record;
};

const otpFailure = (cause: string, action: string) => badValue(cause, action, { fields: ['otp'] });

/**
 * An OTP given to useradd must be the live one issued for the address. A wrong code uses a try; the
 * last try, or expiry, ends the OTP. A right code is used up, unless it was issued with `reuse`.
 */
const checkOtp = (model: MesiboModel, ctx: OpContext, address: string, code: string) => {
  const otp = model.otps.get(address);
  if (!otp) throw otpFailure(`no OTP is pending for ${address}`, 'issue one with op otp first');
  if (ctx.now() >= otp.expiresAt) {
    model.otps.delete(address);
    throw otpFailure('the OTP has expired', 'issue a new one with op otp');
  }
  if (otp.code !== code) {
    otp.triesLeft -= 1;
    if (otp.triesLeft <= 0) model.otps.delete(address);
    throw otpFailure(
      `the OTP does not match (${Math.max(otp.triesLeft, 0)} tries left)`,
      otp.triesLeft > 0 ? 'send the code that was issued' : 'issue a new one with op otp',
    );
  }
  if (!otp.reuse) model.otps.delete(address);
};

const useradd = (
  model: MesiboModel,
  ctx: OpContext,
  req: Extract<OpRequest, { op: 'useradd' }>,
): OpResult => {
  if (req.otp !== undefined) checkOtp(model, ctx, req.address, req.otp);
  const existingUid = model.uidByAddress.get(req.address);
  let user = existingUid === undefined ? undefined : model.users.get(existingUid);
  if (!user) {
    user = { uid: model.nextUid++, address: req.address, active: true, tokens: [] };
    model.users.set(user.uid, user);
    model.uidByAddress.set(user.address, user.uid);
  }
  applyUserFields(user, req);
  if (!req.token) return { user: { uid: user.uid, address: user.address } };
  const token = issueToken(user, ctx, req.token);
  return { user: { uid: user.uid, address: user.address, token: token.token } };
};

const usertoken = (
  model: MesiboModel,
  ctx: OpContext,
  req: Extract<OpRequest, { op: 'usertoken' }>,
): OpResult => {
  const user = findUser(model, req.user);
  const token = issueToken(user, ctx, req.token);
  return {
    user: {
      uid: user.uid,
      address: user.address,
      ...(token.appid === null ? {} : { appid: token.appid }),
      token: token.token,
    },
  };
};

const otp = (model: MesiboModel, ctx: OpContext, req: Extract<OpRequest, { op: 'otp' }>): OpResult => {
  const issuedAt = ctx.now();
  const pending = model.otps.get(req.address);
  if (req.reuse && pending && pending.expiresAt > issuedAt && pending.triesLeft > 0) {
    return { otp: pending.code };
  }
  const record: OtpRecord = {
    code: ctx.newOtp(),
    issuedAt,
    expiresAt: issuedAt + req.expirySeconds * SECOND_MS,
    triesLeft: req.tries,
    reuse: req.reuse,
  };
  model.otps.set(req.address, record);
  return { otp: record.code };
};

const userset = (model: MesiboModel, req: Extract<OpRequest, { op: 'userset' }>): OpResult => {
  const user = findUser(model, req.user);
  applyUserFields(user, req);
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
  const regex = new RegExp(`^${source}$`, 's');
  return (address) => regex.test(address);
};

/** A requested list size, capped by the emulator's maxList (0 or absent = the cap). */
const listLimit = (ctx: OpContext, count: number | undefined) =>
  count === undefined || count === 0 ? ctx.maxList : Math.min(count, ctx.maxList);

/** One entry per user and appid it holds tokens for (clients match on both); a user without any gets one. */
const usersget = (
  model: MesiboModel,
  ctx: OpContext,
  req: Extract<OpRequest, { op: 'usersget' }>,
): OpResult => {
  const limit = listLimit(ctx, req.count);
  const matches = req.address === undefined ? () => true : wildcardMatcher(req.address);
  const users: Record<string, unknown>[] = [];
  for (const user of model.users.values()) {
    if (users.length >= limit) break;
    if (!matches(user.address)) continue;
    const entry = {
      uid: user.uid,
      address: user.address,
      ...(user.name === undefined ? {} : { name: user.name }),
      active: user.active,
    };
    const appids = [...new Set(user.tokens.flatMap((t) => (t.appid === null ? [] : [t.appid])))];
    if (appids.length === 0) users.push(entry);
    for (const appid of appids) if (users.length < limit) users.push({ ...entry, appid });
  }
  return { users, count: users.length };
};

const editMembers = (group: GroupRecord, change: MemberChange) => {
  for (const address of change.addresses) {
    // Removing a non-member is a no-op; adding an existing member updates its rights.
    if (change.remove) group.members.delete(address);
    else {
      group.members.set(address, {
        permissions: { ...change.permissions },
        ...(hasKeys(change.admin) ? { admin: change.admin } : {}),
      });
    }
  }
};

const applyGroupFields = (group: GroupRecord, fields: GroupFields) => {
  if (fields.name !== undefined) group.name = fields.name;
  if (fields.flags !== undefined) group.flags = fields.flags;
  if (fields.active !== undefined) group.active = fields.active;
  if (fields.expiry !== undefined) group.expiry = fields.expiry;
  if (fields.expiryext !== undefined) group.expiryext = fields.expiryext;
  const extra = mergeExtra(group.extra, fields.extra);
  if (extra) group.extra = extra;
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
  const members: Record<string, unknown>[] = [];
  for (const [address, member] of group.members) {
    if (members.length >= limit) break;
    const uid = model.uidByAddress.get(address);
    members.push({
      ...(uid === undefined ? {} : { uid }),
      address,
      permissions: { ...member.permissions },
      ...(member.admin ? { admin: { ...member.admin } } : {}),
    });
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
  const { op: _op, expirySeconds, whenSeconds, extra, ...fields } = req;
  model.messages.push({
    mid,
    ...fields,
    to: [...req.to],
    expiry: expirySeconds,
    when: whenSeconds,
    ...(hasKeys(extra) ? { extra } : {}),
    at: ctx.now(),
  });
  return { mid };
};

/** Applies one op to the model; throws `ApiFailure` for an op-level failure. */
export const applyOp = (model: MesiboModel, ctx: OpContext, req: OpRequest): OpResult => {
  switch (req.op) {
    case 'useradd':
      return useradd(model, ctx, req);
    case 'usertoken':
      return usertoken(model, ctx, req);
    case 'otp':
      return otp(model, ctx, req);
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

/** The model as plain data for `/_emulator/state`; token values and OTP codes only when asked for. */
export const snapshotModel = (
  model: MesiboModel,
  includeSecrets: boolean,
): { users: EmulatorUser[]; otps: EmulatorOtp[]; groups: EmulatorGroup[]; messages: EmulatorMessage[] } => ({
  users: [...model.users.values()].map((u) => ({
    uid: u.uid,
    address: u.address,
    ...(u.name === undefined ? {} : { name: u.name }),
    active: u.active,
    ...(u.flags === undefined ? {} : { flags: u.flags }),
    ...(u.groups === undefined ? {} : { groups: u.groups }),
    ...(u.extra === undefined ? {} : { extra: structuredClone(u.extra) }),
    tokens: u.tokens.map((t) => ({
      appid: t.appid,
      issuedAt: t.issuedAt,
      expiresAt: t.expiresAt,
      v2: t.v2,
      ...(t.options === undefined ? {} : { options: structuredClone(t.options) }),
      ...(includeSecrets ? { token: t.token } : {}),
    })),
  })),
  otps: [...model.otps].map(([address, o]) => ({
    address,
    issuedAt: o.issuedAt,
    expiresAt: o.expiresAt,
    triesLeft: o.triesLeft,
    reuse: o.reuse,
    ...(includeSecrets ? { code: o.code } : {}),
  })),
  groups: [...model.groups.values()].map((g) => ({
    gid: g.gid,
    ...(g.name === undefined ? {} : { name: g.name }),
    flags: g.flags,
    active: g.active,
    ...(g.expiry === undefined ? {} : { expiry: g.expiry }),
    ...(g.expiryext === undefined ? {} : { expiryext: g.expiryext }),
    ...(g.extra === undefined ? {} : { extra: structuredClone(g.extra) }),
    members: [...g.members].map(([address, m]) => ({
      address,
      permissions: { ...m.permissions },
      ...(m.admin === undefined ? {} : { admin: structuredClone(m.admin) }),
    })),
  })),
  messages: model.messages.map((m) => structuredClone(m)),
});
