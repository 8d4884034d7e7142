/**
 * The current JSON API (`POST /backend/`): nested request objects (`user`, `otp`, `group`,
 * `message`) read into the transport-neutral `OpRequest` the state understands. JSON clients send
 * `null` for fields they leave out (mesibo's PHP helpers do), so null means "not given"; fields
 * beyond the ones read here are kept as `extra`.
 */
import * as z from 'zod';
import { badValue, type LogicalField } from './failure';
import {
  addressList,
  addressPattern,
  addressValue,
  boolValue,
  DEFAULT_MESSAGE_EXPIRY_SECONDS,
  DEFAULT_OTP_EXPIRY_SECONDS,
  DEFAULT_OTP_TRIES,
  DEFAULT_TOKEN_EXPIRY_MINUTES,
  extraFields,
  idValue,
  intValue,
  nonNegativeInt,
  parseFields,
  type RequestedOp,
} from './fields';
import {
  ALL_PERMISSIONS,
  type Extra,
  type MemberChange,
  type OpRequest,
  type TokenRequest,
  type UserRef,
} from './model';

/** `["group","members","m",3]` → `group.members.m` (array positions are not request fields). */
const jsonFieldName = (path: readonly PropertyKey[]): string =>
  path.filter((segment): segment is string => typeof segment === 'string').join('.') || '(body)';

const parse = <S extends z.ZodType>(schema: S, params: unknown): z.output<S> =>
  parseFields(schema, params, jsonFieldName);

/** The JSON spelling of a field named by a state failure, for this op. */
export const jsonFieldFor = (op: RequestedOp, field: LogicalField): string => {
  if (op === 'message') return `message.${field}`;
  if (op === 'otp') return `otp.${field}`;
  if (field === 'gid') return 'group.gid';
  return `user.${field}`;
};

/** An optional field: absent, or null, means not given. */
const opt = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === null ? undefined : v), schema.optional());

/** An op object whose unknown keys are kept (read back with `extraFields`). */
const loose = z.looseObject;

const userRefShape = { address: opt(addressValue), uid: opt(idValue) };

const requireUserRef = (user: UserRef): UserRef => {
  if (user.address === undefined && user.uid === undefined) {
    throw badValue('the user is not named', 'send user.address or user.uid', {
      properties: ['user.address', 'user.uid'],
    });
  }
  return {
    ...(user.address === undefined ? {} : { address: user.address }),
    ...(user.uid ? { uid: user.uid } : {}),
  };
};

const TOKEN_KEYS = ['appid', 'expiry', 'v2'] as const;
const tokenShape = loose({
  appid: opt(z.union([z.string(), z.number()]).transform(String)),
  expiry: opt(nonNegativeInt),
  v2: opt(boolValue),
});

/** v1 tokens are bound to an appid; a v2 token may name platform identifiers instead. */
export const tokenRequest = (
  token: { appid?: string | undefined; expiry?: number | undefined; v2?: boolean | undefined },
  options: Extra | undefined,
  appidField: string,
): TokenRequest => {
  const appid = token.appid === '' ? undefined : token.appid;
  const v2 = token.v2 ?? false;
  if (appid === undefined && !v2) {
    throw badValue('the token has no appid', `send ${appidField}, or ask for a v2 token`, {
      properties: [appidField],
    });
  }
  return {
    ...(appid === undefined ? {} : { appid }),
    expiryMinutes: token.expiry ?? DEFAULT_TOKEN_EXPIRY_MINUTES,
    v2,
    ...(options ? { options } : {}),
  };
};

const jsonToken = (token: z.output<typeof tokenShape>, field: string) =>
  tokenRequest(token, extraFields(token, TOKEN_KEYS), field);

/**
 * A `user.token` of nulls (and empty appid) asks for nothing: mesibo's 2022 PHP helper sends one
 * when its caller passes no appid, and its form mode then sends `appid=`, which issues no token.
 */
const asksForToken = (token: Record<string, unknown>): boolean =>
  Object.values(token).some((v) => v !== undefined && v !== null && v !== '');

const permissionsShape = z.object({
  send: opt(boolValue),
  recv: opt(boolValue),
  pub: opt(boolValue),
  sub: opt(boolValue),
  list: opt(boolValue),
});

const membersShape = z.object({
  m: opt(addressList),
  // null is one of the removal spellings, so it is not "not given" here.
  permissions: z.union([z.null(), permissionsShape]).optional(),
  admin: opt(z.record(z.string(), z.unknown())),
  delete: opt(boolValue),
  remove: opt(boolValue),
});

const stripUndefined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Removal has several spellings in the wild (`group.delete`, `group.members.delete`,
 * `group.members.remove`, `permissions: null`); any one of them removes the listed members.
 */
const memberChange = (
  groupDelete: boolean | undefined,
  members: z.output<typeof membersShape> | undefined,
): MemberChange => ({
  addresses: members?.m ?? [],
  remove: Boolean(groupDelete || members?.delete || members?.remove || members?.permissions === null),
  permissions: { ...ALL_PERMISSIONS, ...stripUndefined(members?.permissions ?? {}) },
  ...(members?.admin ? { admin: members.admin } : {}),
});

const GROUP_KEYS = ['gid', 'name', 'flags', 'active', 'expiry', 'expiryext', 'delete', 'members'] as const;
const groupShape = {
  name: opt(z.string()),
  flags: opt(nonNegativeInt),
  active: opt(boolValue),
  expiry: opt(nonNegativeInt),
  expiryext: opt(nonNegativeInt),
  delete: opt(boolValue),
  members: opt(membersShape),
};

const groupFields = (group: z.output<z.ZodObject<typeof groupShape>> & Record<string, unknown>) => {
  const extra = extraFields(group, GROUP_KEYS);
  return {
    ...(group.name === undefined ? {} : { name: group.name }),
    ...(group.flags === undefined ? {} : { flags: group.flags }),
    ...(group.active === undefined ? {} : { active: group.active }),
    ...(group.expiry === undefined ? {} : { expiry: group.expiry }),
    ...(group.expiryext === undefined ? {} : { expiryext: group.expiryext }),
    ...(group.members ? { members: memberChange(group.delete, group.members) } : {}),
    ...(extra ? { extra } : {}),
  };
};

const USER_KEYS = ['address', 'uid', 'name', 'active', 'flags', 'otp', 'token'] as const;
const userFieldsShape = {
  name: opt(z.string()),
  active: opt(boolValue),
  flags: opt(nonNegativeInt),
};

const userFields = (user: z.output<z.ZodObject<typeof userFieldsShape>> & Record<string, unknown>) => {
  const extra = extraFields(user, USER_KEYS);
  return {
    ...(user.name === undefined ? {} : { name: user.name }),
    ...(user.active === undefined ? {} : { active: user.active }),
    ...(user.flags === undefined ? {} : { flags: user.flags }),
    ...(extra ? { extra } : {}),
  };
};

const MESSAGE_KEYS = [
  'from',
  'to',
  'gid',
  'type',
  'expiry',
  'when',
  'title',
  'url',
  'message',
  'flags',
  'forced',
  'channel',
] as const;

const schemas = {
  useradd: z.object({
    user: loose({
      address: addressValue,
      ...userFieldsShape,
      otp: opt(z.union([z.string(), z.number()]).transform(String)),
      token: opt(tokenShape),
    }),
  }),
  usertoken: z.object({ user: loose({ ...userRefShape, token: tokenShape }) }),
  otp: z.object({
    otp: loose({
      address: addressValue,
      tries: opt(idValue),
      expiry: opt(idValue),
      reuse: opt(boolValue),
    }),
  }),
  userset: z.object({
    user: loose({
      ...userRefShape,
      ...userFieldsShape,
      token: opt(loose({ remove: opt(boolValue), appid: opt(z.string().min(1)) })),
    }),
  }),
  userdel: z.object({ user: z.object(userRefShape) }),
  deltoken: z.object({
    user: z.object({ ...userRefShape, token: opt(z.object({ appid: opt(z.string().min(1)) })) }),
  }),
  usersget: z.object({
    user: opt(z.object({ address: opt(addressPattern) })),
    addr: opt(addressPattern),
    count: opt(nonNegativeInt),
  }),
  groupadd: z.object({ group: opt(loose(groupShape)) }),
  groupset: z.object({ group: loose({ gid: idValue, ...groupShape }) }),
  groupdel: z.object({ group: z.object({ gid: idValue }) }),
  groupeditmembers: z.object({
    group: z.object({ gid: idValue, delete: opt(boolValue), members: opt(membersShape) }),
  }),
  groupgetmembers: z.object({ group: z.object({ gid: idValue }), count: opt(nonNegativeInt) }),
  message: z.object({
    message: loose({
      from: addressValue,
      to: opt(addressList),
      gid: opt(nonNegativeInt),
      type: opt(intValue),
      expiry: opt(nonNegativeInt),
      when: opt(nonNegativeInt),
      title: opt(z.string()),
      url: opt(z.string()),
      message: opt(z.string()),
      // The messaging page's own example sends `flags: null`; it is kept as null.
      flags: z.union([z.null(), nonNegativeInt]).optional(),
      forced: opt(boolValue),
      channel: opt(intValue),
    }),
  }),
};

/** Reads a JSON request for `op`; throws `ApiFailure` (BADVALUE) naming the JSON fields at fault. */
export const readJsonRequest = (op: RequestedOp, params: Record<string, unknown>): OpRequest => {
  switch (op) {
    case 'useradd': {
      const { user } = parse(schemas.useradd, params);
      const otp = user.otp === undefined || user.otp === '' ? undefined : user.otp;
      return {
        op,
        address: user.address,
        ...userFields(user),
        ...(otp === undefined ? {} : { otp }),
        ...(user.token && asksForToken(user.token)
          ? { token: jsonToken(user.token, 'user.token.appid') }
          : {}),
      };
    }
    case 'usertoken': {
      const { user } = parse(schemas.usertoken, params);
      return { op, user: requireUserRef(user), token: jsonToken(user.token, 'user.token.appid') };
    }
    case 'otp': {
      const { otp } = parse(schemas.otp, params);
      return {
        op,
        address: otp.address,
        tries: otp.tries ?? DEFAULT_OTP_TRIES,
        expirySeconds: otp.expiry ?? DEFAULT_OTP_EXPIRY_SECONDS,
        reuse: otp.reuse ?? false,
      };
    }
    case 'userset': {
      const { user } = parse(schemas.userset, params);
      return {
        op,
        user: requireUserRef(user),
        ...userFields(user),
        ...(user.token?.remove
          ? { removeTokens: user.token.appid === undefined ? {} : { appid: user.token.appid } }
          : {}),
      };
    }
    case 'userdel':
      return { op, user: requireUserRef(parse(schemas.userdel, params).user) };
    case 'deltoken': {
      const { user } = parse(schemas.deltoken, params);
      const appid = user.token?.appid;
      return {
        op: 'userset',
        user: requireUserRef(user),
        removeTokens: appid === undefined ? {} : { appid },
      };
    }
    case 'usersget': {
      const input = parse(schemas.usersget, params);
      const address = input.user?.address ?? input.addr;
      return {
        op,
        ...(address === undefined ? {} : { address }),
        ...(input.count === undefined ? {} : { count: input.count }),
      };
    }
    case 'groupadd':
      return { op, ...groupFields(parse(schemas.groupadd, params).group ?? {}) };
    case 'groupset': {
      const { group } = parse(schemas.groupset, params);
      return { op, gid: group.gid, ...groupFields(group) };
    }
    case 'groupdel':
      return { op, gid: parse(schemas.groupdel, params).group.gid };
    case 'groupeditmembers': {
      const { group } = parse(schemas.groupeditmembers, params);
      return { op, gid: group.gid, members: memberChange(group.delete, group.members) };
    }
    case 'groupgetmembers': {
      const input = parse(schemas.groupgetmembers, params);
      return { op, gid: input.group.gid, ...(input.count === undefined ? {} : { count: input.count }) };
    }
    case 'message': {
      const { message } = parse(schemas.message, params);
      return messageRequest(message, extraFields(message, MESSAGE_KEYS), {
        to: 'message.to',
        gid: 'message.gid',
      });
    }
  }
};

export interface MessageFields {
  from: string;
  to?: string[] | undefined;
  gid?: number | undefined;
  type?: number | undefined;
  expiry?: number | undefined;
  when?: number | undefined;
  title?: string | undefined;
  url?: string | undefined;
  message?: string | undefined;
  flags?: number | null | undefined;
  forced?: boolean | undefined;
  channel?: number | undefined;
}

/**
 * A message needs recipients, a non-zero `gid` (mesibo's gid 0 means "no group"), or both: the
 * messaging page's own example sends both, and group senders send an empty or null `to` beside it.
 */
export const messageRequest = (
  fields: MessageFields,
  extra: Extra | undefined,
  names: { to: string; gid: string },
): OpRequest => {
  const gid = fields.gid ? fields.gid : undefined;
  const to = fields.to ?? [];
  if (gid === undefined && to.length === 0) {
    throw badValue('the message has no recipient', `send ${names.to} or ${names.gid}`, {
      properties: [names.to, names.gid],
    });
  }
  const optional = {
    title: fields.title,
    url: fields.url,
    message: fields.message,
    flags: fields.flags,
    forced: fields.forced,
    channel: fields.channel,
  };
  return {
    op: 'message',
    from: fields.from,
    to,
    ...(gid === undefined ? {} : { gid }),
    type: fields.type ?? 0,
    expirySeconds: fields.expiry ?? DEFAULT_MESSAGE_EXPIRY_SECONDS,
    whenSeconds: fields.when ?? 0,
    ...stripUndefined(optional),
    ...(extra ? { extra } : {}),
  };
};
