/**
 * Builds the CDK app: one stack for the chosen stage, with cdk-nag AwsSolutions checks registered as a
 * policy-validation plugin, so `cdk synth` fails on any finding that has no written acknowledgement.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig, type StageConfig } from './config';
import { MesiboServerlessStack } from './stack';

export interface CreateAppOptions {
  /** Stage name; default from the `stage` context (`-c stage=prod`, cdk.json). */
  stage?: string;
  /** A config object instead of `infra/config/<stage>.json` (tests). */
  config?: StageConfig;
  appProps?: AppProps;
}

export const createApp = (options: CreateAppOptions = {}): { app: App; stack: MesiboServerlessStack } => {
  const app = new App(options.appProps);
  const stage = options.stage ?? String(app.node.tryGetContext('stage') ?? 'dev');
  const config = options.config ?? loadStageConfig(stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // No `env`: the stack is environment-agnostic, so synth needs no credentials; deploy picks the
  // account and region of the caller's AWS profile.
  const stack = new MesiboServerlessStack(app, config.stackName, { config });
  return { app, stack };
};
