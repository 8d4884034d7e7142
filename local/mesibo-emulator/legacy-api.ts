/**
 * The legacy API (`GET|POST /api.php`): flat string parameters (`addr`, `appid`, `gid`, `m`,
 * `cs`/`cr`/`canpub`/`cansub`/`canlist`, `msg`, ...) mapped onto the same `OpRequest`s as JSON.
 */
import * as z from 'zod';
import { badValue, type LogicalField } from './failure';
import {
  addressList,
  addressValue,
  boolValue,
  DEFAULT_TOKEN_EXPIRY_MINUTES,
  idValue,
  intValue,
  nonNegativeInt,
  parseFields,
  type RequestedOp,
} from './fields';
import { messageRequest } from './json-api';
import { ALL_PERMISSIONS, type MemberChange, type OpRequest, type UserRef } from './state';

const legacyFieldName = (path: readonly PropertyKey[]): string => {
  const first = path[0];
  return typeof first === 'string' ? first : '(params)';
};

const parse = <S extends z.ZodType>(schema: S, params: unknown): z.output<S> =>
  parseFields(schema, params, legacyFieldName);

/** The legacy spelling of a field named by a state failure. */
export const legacyFieldFor = (_op: RequestedOp, field: LogicalField): string =>
  field === 'address' ? 'addr' : field;

/**
 * Form clients (mesibo's own PHP helpers) send every parameter, empty ones included: an empty
 * optional parameter means "not given".
 */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const wildcardPattern = z
  .string()
  .regex(/^[A-Za-z0-9_.@+\-:*]{1,128}$/, 'not an address pattern (letters, digits, _.@+-: and *)');

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
  m: optional(addressList),
  ...permissionShape,
};

const groupFields = (g: z.output<z.ZodObject<typeof groupFieldsShape>>) => ({
  ...(g.name === undefined ? {} : { name: g.name }),
  ...(g.flag === undefined ? {} : { flags: g.flag }),
  ...(g.active === undefined ? {} : { active: g.active }),
  ...(g.m === undefined ? {} : { members: memberChange(g.m, false, g) }),
});

const schemas = {
  useradd: z.object({
    addr: addressValue,
    name: z.string().optional(),
    active: optional(boolValue),
    appid: optional(z.string()),
    expiry: optional(nonNegativeInt),
    v2: optional(boolValue),
  }),
  userset: z.object({ ...userRefShape, name: z.string().optional(), active: optional(boolValue) }),
  userdel: z.object(userRefShape),
  deltoken: z.object({ ...userRefShape, appid: optional(z.string()) }),
  usersget: z.object({ addr: optional(wildcardPattern), count: optional(nonNegativeInt) }),
  groupadd: z.object(groupFieldsShape),
  groupset: z.object({ gid: idValue, ...groupFieldsShape }),
  groupdel: z.object({ gid: idValue }),
  groupeditmembers: z.object({
    gid: idValue,
    m: addressList,
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
  }),
};

/** Reads a legacy request for `op`; throws `ApiFailure` (BADVALUE) naming the legacy parameters at fault. */
export const readLegacyRequest = (op: RequestedOp, params: Record<string, unknown>): OpRequest => {
  switch (op) {
    case 'useradd': {
      const p = parse(schemas.useradd, params);
      return {
        op,
        address: p.addr,
        ...(p.name === undefined ? {} : { name: p.name }),
        ...(p.active === undefined ? {} : { active: p.active }),
        // A token is issued only for an app: without appid the call just creates/updates the user.
        ...(p.appid === undefined
          ? {}
          : {
              token: {
                appid: p.appid,
                expiryMinutes: p.expiry ?? DEFAULT_TOKEN_EXPIRY_MINUTES,
                v2: p.v2 ?? false,
              },
            }),
      };
    }
    case 'userset': {
      const p = parse(schemas.userset, params);
      return {
        op,
        user: requireUserRef(p),
        ...(p.name === undefined ? {} : { name: p.name }),
        ...(p.active === undefined ? {} : { active: p.active }),
      };
    }
    case 'userdel':
      return { op, user: requireUserRef(parse(schemas.userdel, params)) };
    case 'deltoken': {
      const p = parse(schemas.deltoken, params);
      return {
        op: 'userset',
        user: requireUserRef(p),
        removeTokens: p.appid === undefined ? {} : { appid: p.appid },
      };
    }
    case 'usersget': {
      const p = parse(schemas.usersget, params);
      return {
        op,
        ...(p.addr === undefined ? {} : { address: p.addr }),
        ...(p.count === undefined ? {} : { count: p.count }),
      };
    }
    case 'groupadd':
      return { op, ...groupFields(parse(schemas.groupadd, params)) };
    case 'groupset': {
      const p = parse(schemas.groupset, params);
      return { op, gid: p.gid, ...groupFields(p) };
    }
    case 'groupdel':
      return { op, gid: parse(schemas.groupdel, params).gid };
    case 'groupeditmembers': {
      const p = parse(schemas.groupeditmembers, params);
      return { op, gid: p.gid, members: memberChange(p.m, p.delete, p) };
    }
    case 'groupgetmembers': {
      const p = parse(schemas.groupgetmembers, params);
      return { op, gid: p.gid, ...(p.count === undefined ? {} : { count: p.count }) };
    }
    case 'message': {
      const { msg, ...rest } = parse(schemas.message, params);
      return messageRequest({ ...rest, message: msg }, { to: 'to', gid: 'gid' });
    }
  }
};
