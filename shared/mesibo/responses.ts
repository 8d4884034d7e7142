/**
 * Reading mesibo's answers. Both APIs answer in JSON, but the legacy one writes numbers as strings and
 * older builds write `result` as 1/0 or "OK"/"FAIL", so everything is validated with zod and
 * normalised here before the client sees it.
 */
import * as z from '../zod';
import type { AttemptFailure } from './failures';
import { parseRetryAfter } from './retry';
import type { GroupMember, MesiboUser, MessageResult, UserAddResult } from './types';

/** A number, or a string holding an integer (legacy style), as a number. */
export const Numeric = z.union([
  // Finite: z.number() refuses Infinity and NaN itself.
  z.number(),
  z.pipe(
    z.string().check(z.regex(/^\s*-?\d+\s*$/)),
    z.transform((s: string) => Number(s)),
  ),
]);

/** `result`: true/1/"OK" is success, false/0/"FAIL" is failure (case-insensitive strings). */
export const ResultFlag = z.union([
  z.boolean(),
  z.pipe(
    z.literal(1),
    z.transform((_: 1) => true),
  ),
  z.pipe(
    z.literal(0),
    z.transform((_: 0) => false),
  ),
  z.pipe(
    z.string().check(z.refine((s) => /^(ok|true|1|fail|false|0)$/i.test(s.trim()), 'expected OK or FAIL')),
    z.transform((s: string) => /^(ok|true|1)$/i.test(s.trim())),
  ),
]);

/** A flag as boolean, 1/0 or "1"/"0"/"true"/"false". */
export const Boolish = z.union([
  z.boolean(),
  z.pipe(
    z.union([z.literal(1), z.literal(0)]),
    z.transform((n: 1 | 0) => n === 1),
  ),
  z.pipe(
    z.string().check(z.refine((s) => /^(1|0|true|false)$/i.test(s.trim()), 'expected a boolean')),
    z.transform((s: string) => /^(1|true)$/i.test(s.trim())),
  ),
]);

/** A string or a number, as text. */
const stringOrNumberAsText = () =>
  z.pipe(
    z.union([z.string(), z.number()]),
    z.transform((v: string | number) => String(v)),
  );

/** Failure details are informative only: a malformed one must not hide the failure itself. */
const lenient = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);

export const EnvelopeSchema = z.looseObject({
  op: lenient(z.string()),
  result: ResultFlag,
  id: lenient(Numeric),
  error: lenient(z.string()),
  code: lenient(Numeric),
  cause: lenient(z.string()),
  action: lenient(z.string()),
  properties: lenient(z.array(stringOrNumberAsText())),
});
export type ResponseEnvelope = z.infer<typeof EnvelopeSchema>;

export interface RawResponse {
  status: number;
  retryAfter?: string;
  body: string;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const summarise = (error: z.core.$ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');

const isTransientStatus = (status: number) => status === 429 || status >= 500;

/**
 * Turns one HTTP response into a success envelope (plus the whole body for the op parser) or a
 * classified failure. The body is never copied into a failure: a success body can hold user tokens.
 */
export const interpretResponse = (
  response: RawResponse,
): { ok: true; envelope: ResponseEnvelope; body: unknown } | { ok: false; failure: AttemptFailure } => {
  const { status } = response;
  const json = parseJson(response.body);
  const envelope = json === undefined ? undefined : EnvelopeSchema.safeParse(json);
  const details = envelope?.success ? envelope.data : undefined;

  if (isTransientStatus(status)) {
    return {
      ok: false,
      failure: {
        kind: 'http',
        error: `HTTP_${status}`,
        code: details?.code ?? status,
        cause: details?.cause ?? `mesibo answered HTTP ${status}`,
        action: details?.action,
        properties: details?.properties,
        httpStatus: status,
        retryAfterMs: parseRetryAfter(response.retryAfter),
        transient: true,
        mayHaveReachedServer: true,
      },
    };
  }
  if (details && !details.result) {
    return {
      ok: false,
      failure: {
        kind: 'api',
        error: details.error ?? 'UNKNOWN',
        code: details.code ?? (status >= 400 ? status : undefined),
        cause: details.cause,
        action: details.action,
        properties: details.properties,
        httpStatus: status,
        transient: false,
        mayHaveReachedServer: true,
      },
    };
  }
  if (status < 200 || status > 299) {
    return {
      ok: false,
      failure: {
        kind: 'http',
        error: `HTTP_${status}`,
        code: status,
        cause: `mesibo answered HTTP ${status}`,
        httpStatus: status,
        transient: false,
        mayHaveReachedServer: true,
      },
    };
  }
  if (!details) {
    const cause =
      json === undefined
        ? 'response body is not JSON'
        : `response is not a mesibo envelope (${envelope && !envelope.success ? summarise(envelope.error) : 'unknown shape'})`;
    return { ok: false, failure: badResponse(cause, status) };
  }
  return { ok: true, envelope: details, body: json };
};

export const badResponse = (cause: string, httpStatus?: number): AttemptFailure => ({
  kind: 'protocol',
  error: 'BADRESPONSE',
  cause,
  httpStatus,
  transient: true,
  mayHaveReachedServer: true,
});

/** Thrown by an op parser when a success body lacks what the op must return. */
export class ResponseShapeError extends Error {}

const parseWith = <S extends z.ZodMiniType>(schema: S, body: unknown): z.output<S> => {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ResponseShapeError(summarise(parsed.error));
  return parsed.data;
};

/** Addresses may come back as numbers (a client's numeric ids); they are text to this product. */
const AddressText = stringOrNumberAsText();

const UserAddSchema = z.looseObject({
  user: z.looseObject({ uid: Numeric, address: z.nullish(AddressText), token: z.nullish(z.string()) }),
});
export const parseUserAdd = (body: unknown): UserAddResult => {
  const { user } = parseWith(UserAddSchema, body);
  return {
    uid: user.uid,
    ...(user.address == null ? {} : { address: user.address }),
    ...(user.token == null ? {} : { token: user.token }),
  };
};

const UserSchema = z.looseObject({
  uid: Numeric,
  address: AddressText,
  appid: z.nullish(z.string()),
  name: z.nullish(z.string()),
  active: z.optional(Boolish),
});
const UsersGetSchema = z.looseObject({
  users: z.nullish(z.array(UserSchema)),
  count: z.optional(Numeric),
});
export const parseUsersGet = (body: unknown): { users: MesiboUser[]; count: number } => {
  const data = parseWith(UsersGetSchema, body);
  const users = (data.users ?? []).map(
    (u): MesiboUser => ({
      uid: u.uid,
      address: u.address,
      ...(u.appid == null ? {} : { appid: u.appid }),
      ...(u.name == null ? {} : { name: u.name }),
      ...(u.active === undefined ? {} : { active: u.active }),
    }),
  );
  return { users, count: data.count ?? users.length };
};

// Current builds nest it (`group.gid`); some answers carry it at top level.
const GroupAddSchema = z.union([
  z.pipe(
    z.looseObject({ group: z.looseObject({ gid: Numeric }) }),
    z.transform((b: { group: { gid: number } }) => b.group.gid),
  ),
  z.pipe(
    z.looseObject({ gid: Numeric }),
    z.transform((b: { gid: number }) => b.gid),
  ),
]);
export const parseGroupAdd = (body: unknown): { gid: number } => ({ gid: parseWith(GroupAddSchema, body) });

const Permissions = z.looseObject({
  send: z.optional(Boolish),
  recv: z.optional(Boolish),
  pub: z.optional(Boolish),
  sub: z.optional(Boolish),
  list: z.optional(Boolish),
});
const MemberSchema = z.looseObject({
  uid: z.optional(Numeric),
  address: AddressText,
  permissions: z.nullish(Permissions),
  // Legacy spellings of the same rights.
  cs: z.optional(Boolish),
  cr: z.optional(Boolish),
  cansend: z.optional(Boolish),
  canrecv: z.optional(Boolish),
  canpub: z.optional(Boolish),
  cansub: z.optional(Boolish),
  canlist: z.optional(Boolish),
});
const GroupMembersSchema = z.looseObject({
  gid: z.optional(Numeric),
  count: z.optional(Numeric),
  members: z.nullish(z.array(MemberSchema)),
});

/** A right that the answer does not mention is reported as granted: mesibo's default for members. */
export const parseGroupMembers = (
  body: unknown,
  requestedGid: number,
): { gid: number; count: number; members: GroupMember[] } => {
  const data = parseWith(GroupMembersSchema, body);
  const members = (data.members ?? []).map((m): GroupMember => {
    const p = m.permissions ?? {};
    return {
      ...(m.uid === undefined ? {} : { uid: m.uid }),
      address: m.address,
      permissions: {
        send: p.send ?? m.cs ?? m.cansend ?? true,
        recv: p.recv ?? m.cr ?? m.canrecv ?? true,
        pub: p.pub ?? m.canpub ?? true,
        sub: p.sub ?? m.cansub ?? true,
        list: p.list ?? m.canlist ?? true,
      },
    };
  });
  return { gid: data.gid ?? requestedGid, count: data.count ?? members.length, members };
};

const MessageSchema = z.looseObject({ mid: z.nullish(Numeric) });
export const parseMessage = (body: unknown): MessageResult => {
  const { mid } = parseWith(MessageSchema, body);
  return mid == null ? {} : { mid };
};
