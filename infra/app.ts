/** The CDK app (`cdk synth`, `cdk deploy`): `-c stage=<name>` picks `infra/config/<name>.json`. */
import { App } from 'aws-cdk-lib';
import { ConfigError } from './config';
import { createApp, createReattachApp } from './create-app';

try {
  const app = new App();
  const reattach = String(app.node.tryGetContext('reattach') ?? 'false') === 'true';
  (reattach ? createReattachApp : createApp)({ app });
  app.synth();
} catch (e) {
  // A config mistake is the operator's to fix: its message names each field, a stack trace adds nothing.
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exitCode = 1;
}
