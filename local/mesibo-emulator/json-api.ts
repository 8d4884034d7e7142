/**
 * The current JSON API (`POST /backend/`): nested request objects (`user`, `group`, `message`) read
 * into the transport-neutral `OpRequest` the state understands.
 */
import * as z from 'zod';
import { badValue, type LogicalField } from './failure';
import {
  addressList,
  addressValue,
  boolValue,
  DEFAULT_MESSAGE_EXPIRY_SECONDS,
  DEFAULT_TOKEN_EXPIRY_MINUTES,
  idValue,
  intValue,
  nonNegativeInt,
  parseFields,
  type RequestedOp,
} from './fields';
import { ALL_PERMISSIONS, type MemberChange, type OpRequest, type UserRef } from './state';

/** `["group","members","m",3]` → `group.members.m` (array positions are not request fields). */
const jsonFieldName = (path: readonly PropertyKey[]): string =>
  path.filter((segment): segment is string => typeof segment === 'string').join('.') || '(body)';

const parse = <S extends z.ZodType>(schema: S, params: unknown): z.output<S> =>
  parseFields(schema, params, jsonFieldName);

/** The JSON spelling of a field named by a state failure, for this op. */
export const jsonFieldFor = (op: RequestedOp, field: LogicalField): string => {
  if (op === 'message') return `message.${field}`;
  if (field === 'gid') return 'group.gid';
  return `user.${field}`;
};

const wildcardPattern = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_.@+\-:*]{1,128}$/, 'not an address pattern (letters, digits, _.@+-: and *)'),
  );

const userRefShape = { address: addressValue.optional(), uid: idValue.optional() };

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

const permissionsShape = z.object({
  send: boolValue.optional(),
  recv: boolValue.optional(),
  pub: boolValue.optional(),
  sub: boolValue.optional(),
  list: boolValue.optional(),
});

const membersShape = z.object({
  m: addressList,
  permissions: z.union([z.null(), permissionsShape]).optional(),
  delete: boolValue.optional(),
  remove: boolValue.optional(),
});

/**
 * Removal has several spellings in the wild (`group.delete`, `group.members.delete`,
 * `group.members.remove`, `permissions: null`); any one of them removes the listed members.
 */
const memberChange = (
  groupDelete: boolean | undefined,
  members: z.output<typeof membersShape>,
): MemberChange => ({
  addresses: members.m,
  remove: Boolean(groupDelete || members.delete || members.remove || members.permissions === null),
  permissions: { ...ALL_PERMISSIONS, ...stripUndefined(members.permissions ?? {}) },
});

const stripUndefined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

const groupFieldsShape = {
  name: z.string().optional(),
  flags: nonNegativeInt.optional(),
  active: boolValue.optional(),
  delete: boolValue.optional(),
  members: membersShape.optional(),
};

const groupFields = (group: z.output<z.ZodObject<typeof groupFieldsShape>>) => ({
  ...(group.name === undefined ? {} : { name: group.name }),
  ...(group.flags === undefined ? {} : { flags: group.flags }),
  ...(group.active === undefined ? {} : { active: group.active }),
  ...(group.members ? { members: memberChange(group.delete, group.members) } : {}),
});

const gidShape = z.object({ group: z.object({ gid: idValue }) });

const schemas = {
  useradd: z.object({
    user: z.object({
      address: addressValue,
      name: z.string().optional(),
      active: boolValue.optional(),
      token: z
        .object({
          appid: z.string().min(1, 'the appid is empty'),
          expiry: nonNegativeInt.optional(),
          v2: boolValue.optional(),
        })
        .optional(),
    }),
  }),
  userset: z.object({
    user: z.object({
      ...userRefShape,
      name: z.string().optional(),
      active: boolValue.optional(),
      token: z.object({ remove: boolValue.optional(), appid: z.string().min(1).optional() }).optional(),
    }),
  }),
  userdel: z.object({ user: z.object(userRefShape) }),
  deltoken: z.object({
    user: z.object({ ...userRefShape, token: z.object({ appid: z.string().min(1).optional() }).optional() }),
  }),
  usersget: z.object({
    user: z.object({ address: wildcardPattern.optional() }).optional(),
    addr: wildcardPattern.optional(),
    count: nonNegativeInt.optional(),
  }),
  groupadd: z.object({ group: z.object(groupFieldsShape).optional() }),
  groupset: z.object({ group: z.object({ gid: idValue, ...groupFieldsShape }) }),
  groupeditmembers: z.object({
    group: z.object({ gid: idValue, delete: boolValue.optional(), members: membersShape }),
  }),
  groupgetmembers: z.object({ group: z.object({ gid: idValue }), count: nonNegativeInt.optional() }),
  message: z.object({
    message: z.object({
      from: addressValue,
      to: addressList.optional(),
      gid: nonNegativeInt.optional(),
      type: intValue.optional(),
      expiry: nonNegativeInt.optional(),
      when: nonNegativeInt.optional(),
      title: z.string().optional(),
      url: z.string().optional(),
      message: z.string().optional(),
    }),
  }),
};

/** Reads a JSON request for `op`; throws `ApiFailure` (BADVALUE) naming the JSON fields at fault. */
export const readJsonRequest = (op: RequestedOp, params: Record<string, unknown>): OpRequest => {
  switch (op) {
    case 'useradd': {
      const { user } = parse(schemas.useradd, params);
      return {
        op,
        address: user.address,
        ...(user.name === undefined ? {} : { name: user.name }),
        ...(user.active === undefined ? {} : { active: user.active }),
        ...(user.token
          ? {
              token: {
                appid: user.token.appid,
                expiryMinutes: user.token.expiry ?? DEFAULT_TOKEN_EXPIRY_MINUTES,
                v2: user.token.v2 ?? false,
              },
            }
          : {}),
      };
    }
    case 'userset': {
      const { user } = parse(schemas.userset, params);
      return {
        op,
        user: requireUserRef(user),
        ...(user.name === undefined ? {} : { name: user.name }),
        ...(user.active === undefined ? {} : { active: user.active }),
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
      return { op, gid: parse(gidShape, params).group.gid };
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
      return messageRequest(message, { to: 'message.to', gid: 'message.gid' });
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
}

/** Exactly one of `to` and a non-zero `gid` (mesibo's gid 0 means "no group"). */
export const messageRequest = (fields: MessageFields, names: { to: string; gid: string }): OpRequest => {
  const gid = fields.gid ? fields.gid : undefined;
  const to = fields.to ?? [];
  if (gid === undefined && to.length === 0) {
    throw badValue('the message has no recipient', `send ${names.to} or ${names.gid}`, {
      properties: [names.to, names.gid],
    });
  }
  if (gid !== undefined && to.length > 0) {
    throw badValue(
      'the message has both recipients and a group',
      `send only one of ${names.to} and ${names.gid}`,
      {
        properties: [names.to, names.gid],
      },
    );
  }
  return {
    op: 'message',
    from: fields.from,
    to,
    ...(gid === undefined ? {} : { gid }),
    type: fields.type ?? 0,
    expirySeconds: fields.expiry ?? DEFAULT_MESSAGE_EXPIRY_SECONDS,
    whenSeconds: fields.when ?? 0,
    ...(fields.title === undefined ? {} : { title: fields.title }),
    ...(fields.url === undefined ? {} : { url: fields.url }),
    ...(fields.message === undefined ? {} : { message: fields.message }),
  };
};
