/**
 * Builds the CDK app: one stack for the chosen stage, with cdk-nag AwsSolutions checks registered as a
 * policy-validation plugin, so `cdk synth` fails on any finding that has no written acknowledgement.
 */
import { App, type AppProps, type Environment, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig, type StageConfig } from './config';
import { Data } from './constructs/data';
import { MesiboServerlessStack, tagStack } from './stack';

/**
 * Without `account`/`region` in the stage config the stack is environment-agnostic and deploys where the
 * caller's profile points. Pinned, `cdk deploy` refuses credentials of any other account and always
 * targets the pinned region. Synth needs no credentials either way (the stack makes no context lookups).
 */
const stackEnv = (config: StageConfig): Environment => ({
  ...(config.account ? { account: config.account } : {}),
  ...(config.region ? { region: config.region } : {}),
});

export interface CreateAppOptions {
  /** Stage name; default from the `stage` context (`-c stage=prod`, cdk.json). */
  stage?: string;
  /** A config object instead of `infra/config/<stage>.json` (tests). */
  config?: StageConfig;
  appProps?: AppProps;
  /** An app already created (the CLI entry reads its context first). */
  app?: App;
}

export const createApp = (options: CreateAppOptions = {}): { app: App; stack: MesiboServerlessStack } => {
  const app = options.app ?? new App(options.appProps);
  const stage = options.stage ?? String(app.node.tryGetContext('stage') ?? 'dev');
  const config = options.config ?? loadStageConfig(stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new MesiboServerlessStack(app, config.stackName, { config, env: stackEnv(config) });
  return { app, stack };
};

/**
 * Reattach mode (`-c reattach=true`): the stage's stack with only its retained state (tables, secrets,
 * key), under the same construct ids and names as the full stack, for `cdk import` after a destroy
 * (docs/deploy.md#reattach-retained-state). A normal deploy afterwards adds everything else.
 */
export const createReattachApp = (options: CreateAppOptions = {}): { app: App; stack: Stack } => {
  const app = options.app ?? new App(options.appProps);
  const stage = options.stage ?? String(app.node.tryGetContext('stage') ?? 'dev');
  const config = options.config ?? loadStageConfig(stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, config.stackName, {
    env: stackEnv(config),
    description: `mesibo-serverless (${config.stage}): retained state only, for cdk import`,
  });
  tagStack(stack, config.stage);
  new Data(stack, 'Data', {
    stage: config.stage,
    production: config.production,
    customerManagedKey: config.data.customerManagedKey,
  });
  return { app, stack };
};
