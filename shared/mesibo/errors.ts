/**
 * One error type for every failed mesibo call. Field names mirror mesibo's failure envelope
 * (`error`, `code`, `cause`, `action`, `properties`) so nothing is lost in translation.
 */
export type MesiboFailureKind =
  /** mesibo answered `result:false`. */
  | 'api'
  /** The request did not complete: connection refused/reset, DNS, TLS. */
  | 'network'
  /** A connect or total timeout fired. */
  | 'timeout'
  /** mesibo answered with an HTTP error status (429, 5xx, ...) and no usable envelope. */
  | 'http'
  /** The response could not be understood (not JSON, wrong shape, id mismatch). */
  | 'protocol';

export interface MesiboErrorInit {
  op: string;
  kind: MesiboFailureKind;
  /** mesibo's error code (`BADVALUE`, `AUTHFAIL`, ...), or a transport code such as `TIMEOUT`. */
  error: string;
  /** RFC 9110 status from the envelope, else the HTTP status of the response, when there was one. */
  code?: number;
  cause?: string;
  action?: string;
  properties?: string[];
  retryable: boolean;
  /** HTTP status of the response, when there was one. */
  httpStatus?: number;
  /** How many attempts were made in total. */
  attempts?: number;
  /**
   * false only when no attempt can have changed anything at mesibo (result:false, 429, a connect that
   * failed); callers of a non-idempotent op (groupadd) use it to tell a certain failure from an
   * ambiguous one.
   */
  mayHaveApplied?: boolean;
}

export class MesiboError extends Error {
  override readonly name = 'MesiboError';
  readonly op: string;
  readonly kind: MesiboFailureKind;
  readonly error: string;
  readonly code: number | undefined;
  override readonly cause: string | undefined;
  readonly action: string | undefined;
  readonly properties: string[];
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly attempts: number;
  readonly mayHaveApplied: boolean;

  constructor(init: MesiboErrorInit) {
    super(`mesibo ${init.op} failed: ${init.error}${init.cause ? ` (${init.cause})` : ''}`);
    this.op = init.op;
    this.kind = init.kind;
    this.error = init.error;
    this.code = init.code;
    this.cause = init.cause;
    this.action = init.action;
    this.properties = init.properties ?? [];
    this.retryable = init.retryable;
    this.httpStatus = init.httpStatus;
    this.attempts = init.attempts ?? 1;
    this.mayHaveApplied = init.mayHaveApplied ?? true;
  }

  /** A plain, secret-free view for logs and problem details. */
  toJSON() {
    return {
      name: this.name,
      op: this.op,
      kind: this.kind,
      error: this.error,
      code: this.code,
      cause: this.cause,
      action: this.action,
      properties: this.properties,
      retryable: this.retryable,
      httpStatus: this.httpStatus,
      attempts: this.attempts,
      mayHaveApplied: this.mayHaveApplied,
    };
  }
}

export const isMesiboError = (e: unknown): e is MesiboError => e instanceof MesiboError;
