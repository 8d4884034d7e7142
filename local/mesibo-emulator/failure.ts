/**
 * mesibo's failure envelope, as the current backend API documents it: every failed call answers
 * `{ op, result: false, error, code, cause, action, properties }` (plus the echoed `id`).
 */

export type MesiboErrorCode = 'BADOP' | 'BADVALUE' | 'AUTHFAIL' | 'TOKENBREACH' | 'BADREQUEST';

/**
 * A request field named by meaning, for failures found after parsing (unknown user, unknown group).
 * Each transport turns it into its own field name (`user.address` in JSON, `addr` in legacy).
 */
export type LogicalField = 'address' | 'uid' | 'gid' | 'from' | 'otp';

export interface FailureInit {
  error: MesiboErrorCode;
  /** RFC 9110 status number carried in the envelope (the HTTP status itself stays 200). */
  code: number;
  cause: string;
  action: string;
  /** Request fields at fault, already in the transport's own spelling. */
  properties?: string[];
  /** Request fields at fault, by meaning; mapped to the transport's spelling by the caller. */
  fields?: LogicalField[];
}

/** Thrown by op handlers and parsers; turned into the envelope by the dispatcher. */
export class ApiFailure extends Error {
  readonly error: MesiboErrorCode;
  readonly code: number;
  readonly action: string;
  readonly properties: string[];
  readonly fields: LogicalField[];

  constructor(init: FailureInit) {
    super(init.cause);
    this.error = init.error;
    this.code = init.code;
    this.action = init.action;
    this.properties = init.properties ?? [];
    this.fields = init.fields ?? [];
  }
}

export const badValue = (
  cause: string,
  action: string,
  where: { properties?: string[]; fields?: LogicalField[] },
) => new ApiFailure({ error: 'BADVALUE', code: 400, cause, action, ...where });

export interface FailureEnvelope {
  op: string;
  result: false;
  error: string;
  code: number;
  cause: string;
  action: string;
  properties: string[];
  id?: unknown;
}

export const failureEnvelope = (
  op: string,
  failure: { error: string; code: number; message: string; action: string },
  properties: string[],
  id?: unknown,
): FailureEnvelope => ({
  op,
  result: false,
  error: failure.error,
  code: failure.code,
  cause: failure.message,
  action: failure.action,
  properties,
  ...(id === undefined ? {} : { id }),
});
