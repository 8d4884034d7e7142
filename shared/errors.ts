/**
 * The failures use cases throw, named by what went wrong rather than by HTTP. Each has a stable
 * `code`; the edge maps it to a response in one table (shared/http/problems.ts), so the same failure
 * answers the same way on every route. `detail` is written for the caller: never a secret or an
 * upstream body.
 */
import type * as z from './zod';

export interface FieldError {
  /** Dotted path of the field at fault, e.g. `audience.addresses.3`; `(body)` for the whole body. */
  field: string;
  message: string;
}

interface DomainErrorInit {
  fields?: readonly FieldError[];
  /** Seconds after which a retry may succeed. */
  retryAfterSeconds?: number;
  /** Extra members of the answer (e.g. `mesiboError`), already safe to show. */
  extensions?: Record<string, unknown>;
}

export abstract class DomainError<Code extends string = string> extends Error {
  readonly fields: readonly FieldError[];
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Record<string, unknown> | undefined;
  constructor(
    readonly code: Code,
    readonly detail: string,
    init: DomainErrorInit = {},
  ) {
    super(detail);
    this.fields = init.fields ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.extensions = init.extensions;
  }
}

/** The input breaks a rule; `fields` names each field at fault. */
export class InvalidInput extends DomainError<'invalid-request'> {
  override readonly name = 'InvalidInput';
  constructor(fields: readonly FieldError[], detail?: string) {
    super('invalid-request', detail ?? fields.map((e) => `${e.field}: ${e.message}`).join('; '), { fields });
  }
}

export class PayloadTooLarge extends DomainError<'payload-too-large'> {
  override readonly name = 'PayloadTooLarge';
  constructor(detail: string, fields: readonly FieldError[]) {
    super('payload-too-large', detail, { fields });
  }
}

/** The body is not in a media type the route reads (every route with a body reads JSON). */
export class UnsupportedMediaType extends DomainError<'unsupported-media-type'> {
  override readonly name = 'UnsupportedMediaType';
  constructor(message: string) {
    super('unsupported-media-type', `Content-Type ${message}`, {
      fields: [{ field: '(content-type)', message }],
    });
  }
}

/** The caller's identity is missing or was not proven (a JWT, an IAM signature, a webhook signature). */
export type UnauthenticatedCode =
  | 'unauthorized'
  | 'signature-missing'
  | 'signature-malformed'
  | 'signature-expired'
  | 'signature-invalid';
export class Unauthenticated extends DomainError<UnauthenticatedCode> {
  override readonly name = 'Unauthenticated';
}

export class Forbidden extends DomainError<'reserved-address'> {
  override readonly name = 'Forbidden';
}

export type NotFoundCode = 'not-found' | 'notification-not-found' | 'group-not-found';
export class NotFound extends DomainError<NotFoundCode> {
  override readonly name = 'NotFound';
}

export type ConflictCode = 'notification-id-conflict' | 'notification-in-progress' | 'delivery-id-conflict';
export class Conflict extends DomainError<ConflictCode> {
  override readonly name = 'Conflict';
}

/** A dependency cannot be used right now; nothing was done, and a retry after `retryAfterSeconds` may work. */
export type UnavailableCode = 'mesibo-unavailable' | 'queue-unavailable';
export class Unavailable extends DomainError<UnavailableCode> {
  override readonly name = 'Unavailable';
  constructor(code: UnavailableCode, detail: string, retryAfterSeconds: number) {
    super(code, detail, { retryAfterSeconds });
  }
}

/** mesibo refused the request itself; retrying will not help. Only its code-shaped error is kept. */
export class UpstreamRejected extends DomainError<'mesibo-rejected'> {
  override readonly name = 'UpstreamRejected';
  constructor(readonly mesiboError: string) {
    super('mesibo-rejected', `mesibo answered ${mesiboError}`, { extensions: { mesiboError } });
  }
}

export type ErrorCode =
  | InvalidInput['code']
  | PayloadTooLarge['code']
  | UnsupportedMediaType['code']
  | UnauthenticatedCode
  | Forbidden['code']
  | NotFoundCode
  | ConflictCode
  | UnavailableCode
  | UpstreamRejected['code'];

/** Turns zod issues into field errors, paths joined with dots. */
export const zodFields = (error: z.core.$ZodError, prefix?: string): FieldError[] =>
  error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = unknownKeys.length ? [path, unknownKeys[0]].filter(Boolean).join('.') : path;
    return { field: field || '(body)', message: issue.message };
  });
