/**
 * Fault rules (see `FaultSpec` in control.ts): applied in the order added; the first rule that
 * matches a request and still has budget (past `skip`, under `count`, won by `rate`) shapes it.
 */
import * as z from 'zod';
import type { FaultKind, FaultSpec } from './control';

const FAULT_KINDS = [
  'latency',
  'status',
  'status-after-apply',
  'hang',
  'malformed',
  'reset',
  'api-error',
] as const satisfies readonly FaultKind[];

export const faultSpecSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    ms: z.number().int().min(0).max(600_000).optional(),
    status: z.number().int().min(200).max(599).optional(),
    ops: z.array(z.string().min(1)).optional(),
    skip: z.number().int().min(0).optional(),
    count: z.number().int().min(0).optional(),
    rate: z.number().min(0).max(1).optional(),
    match: z.string().min(1).optional(),
    error: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .optional(),
    properties: z.array(z.string().min(1)).optional(),
  })
  .refine((spec) => spec.kind !== 'latency' || spec.ms !== undefined, {
    message: 'a latency fault needs ms',
    path: ['ms'],
  });

/** The status a status fault answers with when the spec names none. */
export const DEFAULT_FAULT_STATUS = 500;

interface FaultRule {
  spec: FaultSpec;
  /** Matching requests seen (for `skip`). */
  seen: number;
  /** Requests this rule shaped (for `count`). */
  applied: number;
}

export class FaultBook {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number) {}

  add(spec: FaultSpec): void {
    this.rules.push({ spec, seen: 0, applied: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  list(): (FaultSpec & { seen: number; applied: number })[] {
    return this.rules.map((r) => ({ ...r.spec, seen: r.seen, applied: r.applied }));
  }

  /**
   * The fault to inject for a request naming `ops` (the requested name and its canonical one);
   * `paramsText` is the request's parameters as JSON, for `match`.
   */
  pick(ops: readonly string[], paramsText: () => string): FaultSpec | undefined {
    for (const rule of this.rules) {
      const { spec } = rule;
      if (spec.ops && !spec.ops.some((op) => ops.includes(op))) continue;
      if (spec.match !== undefined && !paramsText().includes(spec.match)) continue;
      rule.seen += 1;
      if (rule.seen <= (spec.skip ?? 0)) continue;
      if (spec.count !== undefined && rule.applied >= spec.count) continue;
      if (spec.rate !== undefined && this.random() >= spec.rate) continue;
      rule.applied += 1;
      return spec;
    }
    return undefined;
  }
}
