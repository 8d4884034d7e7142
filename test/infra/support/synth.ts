import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig, type StageConfig } from '../../../infra/config';
import { createApp } from '../../../infra/create-app';
import type { MesiboServerlessStack } from '../../../infra/stack';

export interface Synthesized {
  app: App;
  stack: MesiboServerlessStack;
  template: Template;
  /** The raw template, for cfn-lint and text searches. */
  json: Record<string, unknown>;
  seconds: number;
}

/** CDK context that skips asset bundling: the template is the same, the assets are placeholders. */
export const NO_BUNDLING = { context: { 'aws:cdk:bundling-stacks': [] } };

/**
 * Synthesizes one stage (or config) once; nag runs as part of synth and throws on findings. Bundling
 * the functions' assets is the slow part, so only a synth whose bundles are inspected asks for it.
 */
export const synth = (
  stageOrConfig: string | StageConfig,
  options: { bundle?: boolean } = {},
): Synthesized => {
  const started = performance.now();
  const config = typeof stageOrConfig === 'string' ? loadStageConfig(stageOrConfig) : stageOrConfig;
  const { app, stack } = createApp({ config, ...(options.bundle ? {} : { appProps: NO_BUNDLING }) });
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    json: template.toJSON(),
    seconds: (performance.now() - started) / 1000,
  };
};
