/**
 * The flat (legacy form) API: `GET|POST /api.php`, and GET or form requests on `/backend/`. Every
 * parameter is a flat string, mapped onto the same `OpRequest`s as JSON. Two spellings reach it:
 * the legacy names (`addr`, `msg`, `flag`, `cs`/`cr`/`canpub`/`cansub`/`canlist`) and the JSON
 * names that mesibo's own PHP helper produces in its form mode by lifting nested keys to the top
 * (`address`, `message`, `flags`, `send`/`recv`/...). Both are read; parameters beyond the known
 * ones are kept as `extra`.
 */
import * as z from 'zod';
import { badValue, type LogicalField } from './failure';
import {
  addressList,
  addressPattern,
  addressValue,
  boolValue,
  DEFAULT_OTP_EXPIRY_SECONDS,
  DEFAULT_OTP_TRIES,
  extraFields,
  idValue,
  intValue,
  nonNegativeInt,
  parseFields,
  type RequestedOp,
} from './fields';
import { messageRequest, tokenRequest } from './json-api';
import { ALL_PERMISSIONS, type MemberChange, type OpRequest, type UserRef } from './model';

/** Canonical name → the other spellings clients send for it. */
const ALIASES: Record<string, readonly string[]> = {
  addr: ['address'],
  flag: ['flags'],
  msg: ['message'],
  cs: ['send'],
  cr: ['recv'],
  canpub: ['pub'],
  cansub: ['sub'],
  canlist: ['list'],
};

/** Parameters that are the request envelope, not op fields. */
const ENVELOPE = ['op', 'token', 'id'];

/** Token fields a flat request may carry beside `appid`, `expiry` and `v2` (kept as token options). */
const TOKEN_OPTIONS = [
  'session',
  'device',
  'linkto',
  'autorefresh',
  'package',
  'bundle',
  'url',
  'android',
  'ios',
  'javascript',
  'python',
  'cpp',
];

interface FlatParams {
  /** Canonical names, each from the first spelling that was sent non-empty. */
  values: Record<string, unknown>;
  /** The spelling each canonical name was read from (for naming fields at fault). */
  spelling: Record<string, string>;
}

const canonicalise = (params: Record<string, unknown>): FlatParams => {
  const values: Record<string, unknown> = {};
  const spelling: Record<string, string> = {};
  const aliasOf = new Map(Object.entries(ALIASES).flatMap(([name, others]) => others.map((o) => [o, name])));
  for (const [key, value] of Object.entries(params)) {
    const name = aliasOf.get(key) ?? key;
    if (name in values && values[name] !== '') continue;
    values[name] = value;
    spelling[name] = key;
  }
  return { values, spelling };
};

const parse = <S extends z.ZodType>(schema: S, flat: FlatParams): z.output<S> =>
  parseFields(schema, flat.values, (path) => {
    const first = path[0];
    return typeof first === 'string' ? (flat.spelling[first] ?? first) : '(params)';
  });

/** The flat spelling of a field named by a state failure: the one the caller used. */
export const legacyFieldFor = (
  _op: RequestedOp,
  field: LogicalField,
  params: Record<string, unknown>,
): string => {
  if (field !== 'address') return field;
  return !('addr' in params) && 'address' in params ? 'address' : 'addr';
};

/**
 * Form clients (mesibo's own PHP helpers) send every parameter, empty ones included: an empty
 * optional parameter means "not given".
 */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const userRefShape = { addr: optional(addressValue), uid: optional(idValue) };

const requireUserRef = (params: { addr?: string | undefined; uid?: number | undefined }): UserRef => {
  if (params.addr === undefined && params.uid === undefined) {
    throw badValue('the user is not named', 'send uid or addr', { properties: ['uid', 'addr'] });
  }
  return {
    ...(params.addr === undefined ? {} : { address: params.addr }),
    ...(params.uid === undefined ? {} : { uid: params.uid }),
  };
};

const permissionShape = {
  cs: optional(boolValue),
  cr: optional(boolValue),
  canpub: optional(boolValue),
  cansub: optional(boolValue),
  canlist: optional(boolValue),
};

const memberChange = (
  addresses: string[],
  remove: boolean | undefined,
  p: z.output<z.ZodObject<typeof permissionShape>>,
): MemberChange => ({
  addresses,
  remove: remove ?? false,
  permissions: {
    send: p.cs ?? ALL_PERMISSIONS.send,
    recv: p.cr ?? ALL_PERMISSIONS.recv,
    pub: p.canpub ?? ALL_PERMISSIONS.pub,
    sub: p.cansub ?? ALL_PERMISSIONS.sub,
    list: p.canlist ?? ALL_PERMISSIONS.list,
  },
});

const groupFieldsShape = {
  name: z.string().optional(),
  flag: optional(nonNegativeInt),
  active: optional(boolValue),
  expiry: optional(nonNegativeInt),
  expiryext: optional(nonNegativeInt),
  m: optional(addressList),
  ...permissionShape,
};
const GROUP_KEYS = [...ENVELOPE, 'gid', ...Object.keys(groupFieldsShape)];

const groupFields = (g: z.output<z.ZodObject<typeof groupFieldsShape>>, flat: FlatParams) => {
  const extra = extraFields(flat.values, GROUP_KEYS);
  return {
    ...(g.name === undefined ? {} : { name: g.name }),
    ...(g.flag === undefined ? {} : { flags: g.flag }),
    ...(g.active === undefined ? {} : { active: g.active }),
    ...(g.expiry === undefined ? {} : { expiry: g.expiry }),
    ...(g.expiryext === undefined ? {} : { expiryext: g.expiryext }),
    ...(g.m === undefined ? {} : { members: memberChange(g.m, false, g) }),
    ...(extra ? { extra } : {}),
  };
};

const userFieldsShape = {
  name: z.string().optional(),
  active: optional(boolValue),
  flag: optional(nonNegativeInt),
  groups: optional(nonNegativeInt),
};

const userFields = (
  p: z.output<z.ZodObject<typeof userFieldsShape>>,
  flat: FlatParams,
  known: readonly string[],
) => {
  const extra = extraFields(flat.values, [...ENVELOPE, ...known]);
  return {
    ...(p.name === undefined ? {} : { name: p.name }),
    ...(p.active === undefined ? {} : { active: p.active }),
    ...(p.flag === undefined ? {} : { flags: p.flag }),
    ...(p.groups === undefined ? {} : { groups: p.groups }),
    ...(extra ? { extra } : {}),
  };
};

const tokenShape = { appid: optional(z.string()), expiry: optional(nonNegativeInt), v2: optional(boolValue) };

const flatToken = (p: z.output<z.ZodObject<typeof tokenShape>>, flat: FlatParams) => {
  const options = Object.fromEntries(
    TOKEN_OPTIONS.filter((key) => flat.values[key] !== undefined && flat.values[key] !== '').map((key) => [
      key,
      flat.values[key],
    ]),
  );
  return tokenRequest(p, Object.keys(options).length > 0 ? options : undefined, 'appid');
};

const USERADD_KEYS = [
  'addr',
  'otp',
  ...Object.keys(userFieldsShape),
  ...Object.keys(tokenShape),
  ...TOKEN_OPTIONS,
];
const USERSET_KEYS = ['addr', 'uid', 'remove', 'appid', ...Object.keys(userFieldsShape)];

const MESSAGE_KEYS = [
  ...ENVELOPE,
  'from',
  'to',
  'gid',
  'type',
  'expiry',
  'when',
  'title',
  'url',
  'msg',
  'flag',
  'forced',
  'channel',
];

const schemas = {
  useradd: z.object({
    addr: addressValue,
    otp: optional(z.string()),
    ...userFieldsShape,
    ...tokenShape,
  }),
  usertoken: z.object({ ...userRefShape, ...tokenShape }),
  otp: z.object({
    addr: addressValue,
    tries: optional(idValue),
    expiry: optional(idValue),
    reuse: optional(boolValue),
  }),
  userset: z.object({
    ...userRefShape,
    ...userFieldsShape,
    remove: optional(boolValue),
    appid: optional(z.string()),
  }),
  userdel: z.object(userRefShape),
  deltoken: z.object({ ...userRefShape, appid: optional(z.string()) }),
  usersget: z.object({ addr: optional(addressPattern), count: optional(nonNegativeInt) }),
  groupadd: z.object(groupFieldsShape),
  groupset: z.object({ gid: idValue, ...groupFieldsShape }),
  groupdel: z.object({ gid: idValue }),
  groupeditmembers: z.object({
    gid: idValue,
    m: optional(addressList),
    delete: optional(boolValue),
    ...permissionShape,
  }),
  groupgetmembers: z.object({ gid: idValue, count: optional(nonNegativeInt) }),
  message: z.object({
    from: addressValue,
    to: optional(addressList),
    gid: optional(nonNegativeInt),
    type: optional(intValue),
    expiry: optional(nonNegativeInt),
    when: optional(nonNegativeInt),
    title: z.string().optional(),
    url: z.string().optional(),
    msg: z.string().optional(),
    flag: optional(nonNegativeInt),
    forced: optional(boolValue),
    channel: optional(intValue),
  }),
};

/** Reads a flat request for `op`; throws `ApiFailure` (BADVALUE) naming the parameters at fault. */
export const readLegacyRequest = (op: RequestedOp, params: Record<string, unknown>): OpRequest => {
  const flat = canonicalise(params);
  switch (op) {
    case 'useradd': {
      const p = parse(schemas.useradd, flat);
      // A token is issued only when asked for: an appid (v1) or v2=1; otherwise only the user is written.
      const wantsToken = p.appid !== undefined || p.v2 === true;
      return {
        op,
        address: p.addr,
        ...userFields(p, flat, USERADD_KEYS),
        ...(p.otp === undefined ? {} : { otp: p.otp }),
        ...(wantsToken ? { token: flatToken(p, flat) } : {}),
      };
    }
    case 'usertoken': {
      const p = parse(schemas.usertoken, flat);
      return { op, user: requireUserRef(p), token: flatToken(p, flat) };
    }
    case 'otp': {
      const p = parse(schemas.otp, flat);
      return {
        op,
        address: p.addr,
        tries: p.tries ?? DEFAULT_OTP_TRIES,
        expirySeconds: p.expiry ?? DEFAULT_OTP_EXPIRY_SECONDS,
        reuse: p.reuse ?? false,
      };
    }
    case 'userset': {
      const p = parse(schemas.userset, flat);
      return {
        op,
        user: requireUserRef(p),
        ...userFields(p, flat, USERSET_KEYS),
        // The PHP helper's form mode lifts `user.token.remove` to a top-level `remove`.
        ...(p.remove ? { removeTokens: p.appid === undefined ? {} : { appid: p.appid } } : {}),
      };
    }
    case 'userdel':
      return { op, user: requireUserRef(parse(schemas.userdel, flat)) };
    case 'deltoken': {
      const p = parse(schemas.deltoken, flat);
      return {
        op: 'userset',
        user: requireUserRef(p),
        removeTokens: p.appid === undefined ? {} : { appid: p.appid },
      };
    }
    case 'usersget': {
      const p = parse(schemas.usersget, flat);
      return {
        op,
        ...(p.addr === undefined ? {} : { address: p.addr }),
        ...(p.count === undefined ? {} : { count: p.count }),
      };
    }
    case 'groupadd':
      return { op, ...groupFields(parse(schemas.groupadd, flat), flat) };
    case 'groupset': {
      const p = parse(schemas.groupset, flat);
      return { op, gid: p.gid, ...groupFields(p, flat) };
    }
    case 'groupdel':
      return { op, gid: parse(schemas.groupdel, flat).gid };
    case 'groupeditmembers': {
      const p = parse(schemas.groupeditmembers, flat);
      return { op, gid: p.gid, members: memberChange(p.m ?? [], p.delete, p) };
    }
    case 'groupgetmembers': {
      const p = parse(schemas.groupgetmembers, flat);
      return { op, gid: p.gid, ...(p.count === undefined ? {} : { count: p.count }) };
    }
    case 'message': {
      const { msg, flag, ...rest } = parse(schemas.message, flat);
      return messageRequest({ ...rest, message: msg, flags: flag }, extraFields(flat.values, MESSAGE_KEYS), {
        to: flat.spelling.to ?? 'to',
        gid: 'gid',
      });
    }
  }
};
