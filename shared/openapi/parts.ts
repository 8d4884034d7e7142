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
export const jsonBody = (schema: JsonSchema, required = true) => ({
  required,
  content: { 'application/json': { schema } },
});
export const jsonResponse = (description: string, schema: JsonSchema) => ({
  description,
  content: { 'application/json': { schema } },
});
