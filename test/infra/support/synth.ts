/**
 * Synthesizes the stack for tests. Handlers that have not been written yet are replaced by a stub
 * in git-ignored node_modules/.cache (announced loudly), so the infrastructure tests can run while functions are in
 * progress; once every handler exists, the real ones are bundled and no stub is used.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig, type StageConfig } from '../../../infra/config';
import { createApp } from '../../../infra/create-app';
import { fromRoot } from '../../../infra/paths';
import type { MesiboServerlessStack } from '../../../infra/stack';
import type { FunctionSpec } from '../../../shared/functions';

export const stubbedHandlers = new Set<string>();

const stubEntry = (spec: FunctionSpec): string => {
  // Under the project root (NodejsFunction requires it) but git-ignored.
  const dir = fromRoot('node_modules/.cache/infra-test-stubs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${spec.name}.ts`);
  writeFileSync(file, 'export const handler = async () => ({ statusCode: 501 });\n');
  return file;
};

export const entryOrStub = (spec: FunctionSpec): string => {
  const real = fromRoot(spec.entry);
  if (existsSync(real)) return real;
  if (!stubbedHandlers.has(spec.name)) {
    stubbedHandlers.add(spec.name);
    console.warn(`\n!!! ${spec.entry} does not exist yet: bundling a STUB handler for ${spec.name} !!!\n`);
  }
  return stubEntry(spec);
};

export interface Synthesized {
  app: App;
  stack: MesiboServerlessStack;
  template: Template;
  /** The raw template, for cfn-lint and text searches. */
  json: Record<string, unknown>;
  seconds: number;
}

/** Synthesizes one stage (or config) once; nag runs as part of synth and throws on findings. */
export const synth = (stageOrConfig: string | StageConfig): Synthesized => {
  const started = performance.now();
  const config = typeof stageOrConfig === 'string' ? loadStageConfig(stageOrConfig) : stageOrConfig;
  const { app, stack } = createApp({ config, resolveEntry: entryOrStub });
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    json: template.toJSON(),
    seconds: (performance.now() - started) / 1000,
  };
};
