/** Stage configs for the infra tests: the committed prod.json with its example values replaced. */
import { readFileSync } from 'node:fs';
import { configPath, parseStageConfig, type StageConfig } from '../../../infra/config';

/** The committed JSON of a stage, loosely typed so a test can change any field. */
export type RawConfig = Record<string, unknown> & {
  jwt: Record<string, unknown>;
  functions: Record<string, { settings?: Record<string, string>; [k: string]: unknown }>;
  observability: Record<string, unknown>;
};

export const rawConfig = (stage: string): RawConfig =>
  JSON.parse(readFileSync(configPath(stage), 'utf8')) as RawConfig;

/** What an operator fills in before the first production deploy (docs/deploy.md, step 1). */
export const fillProductionValues = (c: RawConfig): void => {
  c.jwt.issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
  c.jwt.audience = ['4k1r2c3u5t6v7w8x9y0z1a2b3c'];
  c.functions['issue-user-token'] = {
    ...c.functions['issue-user-token'],
    settings: { ...c.functions['issue-user-token']?.settings, TOKEN_APPIDS: 'com.acme.chat' },
  };
  c.observability.alarmEmail = 'oncall@acme.test';
};

/** prod.json as deployed: example values replaced, optionally changed further. */
export const deployableProd = (change: (c: RawConfig) => void = () => {}): StageConfig => {
  const c = rawConfig('prod');
  fillProductionValues(c);
  change(c);
  return parseStageConfig(c, 'infra/config/prod.json (filled in)');
};
