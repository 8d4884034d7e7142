/** The CDK app (`cdk synth`, `cdk deploy`): `-c stage=<name>` picks `infra/config/<name>.json`. */
import { createApp } from './create-app';

const { app } = createApp();
app.synth();
