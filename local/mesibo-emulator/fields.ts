/**
 * Field value rules shared by both transports, and the op-name table (canonical names and the
 * aliases older clients use).
 */
import * as z from 'zod';
import { badValue } from './failure';
import type { OpName } from './model';

/**
 * mesibo treats an address as an opaque string and does not validate its format (create-users
 * tutorial), so any non-empty text is one; JSON clients may send a number (their own numeric user
 * id), stored as text.
 */
export const addressValue = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().min(1, 'the address is empty'));

/** `usersget` filter: an address where `*` matches any run of characters. */
export const addressPattern = addressValue;

/** Integers arrive as JSON numbers or, from form/query clients, as numeric strings. */
export const intValue = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*-?\d+\s*$/, 'expected an integer')
      .transform(Number),
  ])
  .pipe(z.number().int('expected an integer').safe('the integer is out of range'));

export const nonNegativeInt = intValue.pipe(z.number().min(0, 'must not be negative'));

/** A positive id (uid, gid); 0 is mesibo's "none". */
export const idValue = intValue.pipe(z.number().min(1, 'must be a positive id'));

/** Booleans arrive as JSON booleans, or as 1/0 from the legacy API and older JSON clients. */
export const boolValue = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.enum(['0', '1', 'true', 'false'])])
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true');

/**
 * Comma-separated addresses (`to`, `m`): the comma is the one character a listed address cannot
 * hold. Blanks around commas and empty entries are ignored, so `""` is an empty list.
 */
export const addressList = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .transform((v) =>
    (Array.isArray(v) ? v.map(String) : String(v).split(',')).map((a) => a.trim()).filter((a) => a !== ''),
  );

/** Fields of an op object (or flat parameters) beyond `known`, kept as sent. */
export const extraFields = (
  source: Record<string, unknown> | undefined,
  known: readonly string[],
): Record<string, unknown> | undefined => {
  if (!source) return undefined;
  const extra = Object.fromEntries(Object.entries(source).filter(([key]) => !known.includes(key)));
  return Object.keys(extra).length > 0 ? extra : undefined;
};

/** Minutes; mesibo's default user token lifetime is one year. */
export const DEFAULT_TOKEN_EXPIRY_MINUTES = 525_600;
/** Seconds; mesibo's default message expiry is one year. */
export const DEFAULT_MESSAGE_EXPIRY_SECONDS = 31_536_000;

/** Seconds and tries for an OTP when the request names none. */
export const DEFAULT_OTP_EXPIRY_SECONDS = 300;
export const DEFAULT_OTP_TRIES = 3;

export type RequestedOp = OpName | 'deltoken';

const OP_NAMES: Record<string, RequestedOp> = {
  useradd: 'useradd',
  /** Regenerates a token for an existing user (mesibo's on-premise page; a Java client). */
  usertoken: 'usertoken',
  otp: 'otp',
  userset: 'userset',
  userdel: 'userdel',
  /** Legacy messenger backend's name for userdel. */
  deluser: 'userdel',
  /** Legacy messenger backend's token removal (the JSON API uses userset + token.remove). */
  deltoken: 'deltoken',
  usersget: 'usersget',
  /** The name the 2026 PHP sample uses. */
  users: 'usersget',
  groupadd: 'groupadd',
  groupset: 'groupset',
  groupdel: 'groupdel',
  groupeditmembers: 'groupeditmembers',
  groupgetmembers: 'groupgetmembers',
  /** Legacy PHP helpers' name for groupgetmembers. */
  getmembers: 'groupgetmembers',
  message: 'message',
};

export const resolveOp = (name: string): RequestedOp | undefined =>
  Object.hasOwn(OP_NAMES, name) ? OP_NAMES[name] : undefined;

/** Parses with zod; a failure becomes BADVALUE naming each field at fault in the transport's spelling. */
export const parseFields = <S extends z.ZodType>(
  schema: S,
  params: unknown,
  fieldName: (path: readonly PropertyKey[]) => string,
): z.output<S> => {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const properties = [...new Set(parsed.error.issues.map((issue) => fieldName(issue.path)))];
  const cause = parsed.error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`).join('; ');
  throw badValue(cause, 'send the listed fields with valid values', { properties });
};
