/**
 * One emulated mesibo app: the model, the app token, the TOKENBREACH rule and the settings, with the
 * request pipeline shared by both transports (auth → breach → op → fields → state). No HTTP here.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { EmulatorState } from './control';
import { ApiFailure, type FailureEnvelope, failureEnvelope, type LogicalField } from './failure';
import { type RequestedOp, resolveOp } from './fields';
import { type Draw, type Journal, recordingContext, replayContext } from './journal';
import { jsonFieldFor, readJsonRequest } from './json-api';
import { legacyFieldFor, readLegacyRequest } from './legacy-api';
import {
  applyOp,
  createModel,
  type MesiboModel,
  type OpContext,
  type OpRequest,
  type OpResult,
  READ_ONLY_OPS,
  snapshotModel,
} from './model';
import { TokenBreachGuard } from './token-breach';

export type Transport = 'json' | 'legacy';

export interface SuccessEnvelope {
  op: string;
  result: true;
  id?: unknown;
  [field: string]: unknown;
}

export interface CallOutcome {
  op: string;
  envelope: SuccessEnvelope | FailureEnvelope;
}

export interface MesiboAppOptions {
  appToken: string;
  tokenBreach: boolean;
  maxList: number;
  now: () => number;
  /** Where state-changing requests are journaled; the model is restored from it at construction. */
  journal?: Journal;
}

/** Alphanumeric, ≥ 40 characters: older mesibo SDKs reject shorter tokens. */
export const randomToken = (length = 48): string => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
};

/** Six digits, as mesibo's OTPs are read by its samples. */
export const randomOtp = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

const fieldSpeller: Record<
  Transport,
  (op: RequestedOp, field: LogicalField, params: Record<string, unknown>) => string
> = {
  json: jsonFieldFor,
  legacy: legacyFieldFor,
};

/**
 * The request id is echoed verbatim. Legacy parameters are all text, so an integer-looking legacy
 * id is echoed as the number the client meant (JSON ids are echoed exactly as sent).
 */
const echoedId = (transport: Transport, id: unknown): unknown =>
  transport === 'legacy' && typeof id === 'string' && /^-?\d{1,15}$/.test(id) ? Number(id) : id;

export class MesiboApp {
  readonly appToken: string;
  model: MesiboModel = createModel();
  readonly breach: TokenBreachGuard;
  maxList: number;
  private readonly ctx: OpContext;
  private readonly journal: Journal | undefined;

  constructor(options: MesiboAppOptions) {
    this.appToken = options.appToken;
    this.breach = new TokenBreachGuard(options.tokenBreach);
    this.maxList = options.maxList;
    this.journal = options.journal;
    const app = this;
    this.ctx = {
      now: options.now,
      newToken: () => randomToken(),
      newOtp: randomOtp,
      get maxList() {
        return app.maxList;
      },
    };
    for (const entry of this.journal?.read() ?? []) {
      this.apply(entry.req, replayContext(entry.draws, this.maxList));
    }
  }

  /** Forgets users, groups, messages and breach tracking (and the journal); the app token and settings stay. */
  reset(): void {
    this.model = createModel();
    this.breach.forget();
    this.journal?.clear();
  }

  /** Applies one op; a failed op is journaled too, since some failures change state (a wrong OTP uses a try). */
  private applyAndRecord(request: OpRequest) {
    if (!this.journal || READ_ONLY_OPS.has(request.op)) return this.apply(request, this.ctx);
    const draws: Draw[] = [];
    try {
      return this.apply(request, recordingContext(this.ctx, draws));
    } finally {
      this.journal.append({ req: request, draws });
    }
  }

  private apply(request: OpRequest, ctx: OpContext): { fields: OpResult } | { failure: ApiFailure } {
    try {
      return { fields: applyOp(this.model, ctx, request) };
    } catch (error) {
      if (error instanceof ApiFailure) return { failure: error };
      throw error;
    }
  }

  /** Handles one backend API call; every failure comes back as an envelope, never as a throw. */
  call(transport: Transport, params: Record<string, unknown>, ip: string): CallOutcome {
    const op = typeof params.op === 'string' ? params.op : '';
    const id = echoedId(transport, params.id);
    const fail = (failure: ApiFailure, properties = failure.properties): CallOutcome => ({
      op,
      envelope: failureEnvelope(op, failure, properties, id),
    });

    const token = params.token;
    if (typeof token !== 'string' || token === '') {
      return fail(
        new ApiFailure({
          error: 'AUTHFAIL',
          code: 401,
          cause: 'the app token is missing',
          action: 'send the app token from the mesibo console as token',
          properties: ['token'],
        }),
      );
    }
    if (token !== this.appToken) {
      return fail(
        new ApiFailure({
          error: 'AUTHFAIL',
          code: 401,
          cause: 'the app token is not valid',
          action: 'send the current app token from the mesibo console',
          properties: ['token'],
        }),
      );
    }
    if (this.breach.breached(ip)) {
      return fail(
        new ApiFailure({
          error: 'TOKENBREACH',
          code: 403,
          cause: 'the app token was used from more than 5 IP addresses; the app is disabled',
          action: 'call the backend API only from your servers (a fixed set of IPs) and change the app token',
          properties: ['token'],
        }),
      );
    }
    const requested = resolveOp(op);
    if (!requested) {
      return fail(
        new ApiFailure({
          error: 'BADOP',
          code: 400,
          cause: op === '' ? 'no op given' : `unknown op ${op}`,
          action: 'send a supported op (useradd, userset, userdel, usersget, groupadd, ...)',
          properties: ['op'],
        }),
      );
    }
    const spell = fieldSpeller[transport];
    const failWith = (error: ApiFailure) =>
      fail(error, [...error.properties, ...error.fields.map((field) => spell(requested, field, params))]);
    let request: OpRequest;
    try {
      request =
        transport === 'json' ? readJsonRequest(requested, params) : readLegacyRequest(requested, params);
    } catch (error) {
      if (error instanceof ApiFailure) return failWith(error);
      throw error;
    }
    const outcome = this.applyAndRecord(request);
    if ('failure' in outcome) return failWith(outcome.failure);
    const extra = transport === 'legacy' && request.op === 'groupadd' ? this.legacyGroupAddKeys() : {};
    return {
      op,
      envelope: { ...extra, op, result: true, ...outcome.fields, ...(id === undefined ? {} : { id }) },
    };
  }

  /**
   * A captured legacy groupadd answer carries keys beside `group` (`uts` as a numeric string,
   * `disabled`), so clients meet them here too. Its `app` object is left out: what it holds is unknown.
   */
  private legacyGroupAddKeys() {
    return { uts: String(Math.floor(this.ctx.now() / 1000)), disabled: 0 };
  }

  state(includeTokens: boolean): EmulatorState {
    return { ...snapshotModel(this.model, includeTokens), tokenBreach: this.breach.view() };
  }
}
