/**
 * The pieces every function's OpenAPI description (functions/<name>/openapi.ts) is made of, so each
 * describes its own routes alike: JSON bodies and answers from the same zod schemas the handlers
 * validate with, problem+json errors.
 */
import * as z from '../zod';

export type JsonSchema = Record<string, unknown>;

/** What a function's routes accept and answer (keyed by route key), and the schemas they refer to. */
export interface FunctionApi {
  operations: Record<string, Record<string, unknown>>;
  /** Components under `#/components/schemas/<name>`. */
  schemas?: Record<string, JsonSchema>;
}

export const schemaOf = (schema: z.core.$ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
};

const problemRef = { $ref: '#/components/schemas/Problem' };
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemRef } },
});
/** The refusals every route that reads a body shares, whatever its body is. */
export const bodyProblems = (tooLarge = 'Body over 1 MiB') => ({
  413: problemResponse(tooLarge),
  415: problemResponse(
    'The body is not labelled `application/json` (or a `+json` type) in UTF-8 (`unsupported-media-type`)',
  ),
});
export const jsonBody = (schema: JsonSchema, required = true) => ({
  required,
  content: { 'application/json': { schema } },
});
export const jsonResponse = (description: string, schema: JsonSchema) => ({
  description,
  content: { 'application/json': { schema } },
});
