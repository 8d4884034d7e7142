/**
 * The OpenAPI document as the code describes it now: the route table plus each HTTP function's
 * description of its routes (`functions/<name>/openapi.ts`, found through the catalogue).
 */
import { existsSync } from 'node:fs';
import { fromRoot } from '../../infra/paths';
import { functionSpecs } from '../../shared/functions';
import { openApiDocument } from '../../shared/openapi/document';
import type { FunctionApi } from '../../shared/openapi/parts';
import { routes } from '../../shared/routes';

export const functionApis = async (): Promise<FunctionApi[]> => {
  const apis: FunctionApi[] = [];
  for (const spec of functionSpecs) {
    if (!routes.some((r) => r.function === spec.name)) continue;
    const module = spec.entry.replace(/index\.ts$/, 'openapi.ts');
    if (!existsSync(fromRoot(module))) throw new Error(`${spec.name} has routes but no ${module}`);
    apis.push(((await import(fromRoot(module))) as { api: FunctionApi }).api);
  }
  return apis;
};

export const currentOpenApiDocument = async () => openApiDocument(await functionApis());
