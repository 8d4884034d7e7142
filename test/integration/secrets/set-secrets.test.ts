/**
 * `npm run set-secrets` as an operator runs it, against a loopback Secrets Manager through the real SDK
 * client: values fed on stdin (the non-terminal path), read back from the stand-in, and absent from
 * everything the script printed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromRoot } from '../../../infra/paths';
import { type AwsStub, startAwsStub } from '../../../local/harness/aws-stub';
import { appTokenSecretName, webhookSecretName } from '../../../shared/secrets/names';
import { parseWebhookSecrets } from '../../../shared/webhook/secrets';

const APP = appTokenSecretName('prod');
const WEBHOOK = webhookSecretName('prod');
const PLACEHOLDER = '{"placeholder":true,"random":"generated"}';
const GENERATED_WEBHOOK = '{"current":"generated-at-deploy-time"}';

let aws: AwsStub;

beforeAll(async () => {
  aws = await startAwsStub({});
});
afterAll(() => aws.close());
beforeEach(() => {
  aws.set(APP, PLACEHOLDER);
  aws.set(WEBHOOK, GENERATED_WEBHOOK);
});

const run = (args: string[], stdin: string) =>
  new Promise<{ code: number | null; out: string; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/set-secrets.ts', ...args], {
      cwd: fromRoot('.'),
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, stdout }));
    child.stdin.end(stdin);
  });

const value = () => randomBytes(24).toString('base64url');

describe('npm run set-secrets', () => {
  it('sets the app token (plain text) and the webhook secret ({"current"} JSON) from stdin, printing neither', async () => {
    const [token, webhook] = [value(), value()];
    const { code, out } = await run(['-c', 'stage=prod'], `${token}\n${webhook}\n`);
    expect(code, out).toBe(0);
    expect(aws.get(APP)).toBe(token);
    expect(parseWebhookSecrets(aws.get(WEBHOOK)!)).toEqual([webhook]);
    expect(out).toContain(`set ${APP} in us-east-1`);
    expect(out).toContain(`set ${WEBHOOK} in us-east-1`);
    expect(out).not.toContain(token);
    expect(out).not.toContain(webhook);
  });

  it('--only app-token sets just the token and leaves the webhook secret as deployed', async () => {
    const token = value();
    const { code, out } = await run(['-c', 'stage=prod', '--only', 'app-token'], `${token}\n`);
    expect(code, out).toBe(0);
    expect(aws.get(APP)).toBe(token);
    expect(aws.get(WEBHOOK)).toBe(GENERATED_WEBHOOK);
  });

  it.each([
    ['an empty app token', '\nwebhook-secret-long-enough\n', 'no value given'],
    ['a missing webhook line', 'some-app-token\n', 'no value given'],
    ['JSON for the app token', '{"token":"x"}\nwebhook-secret-long-enough\n', 'not JSON'],
    ['a short webhook secret', 'some-app-token\nshort\n', 'at least 16 characters'],
  ])('refuses %s and sets nothing', async (_case, stdin, message) => {
    const { code, out } = await run(['-c', 'stage=prod'], stdin);
    expect(code).toBe(1);
    expect(out).toContain(message);
    expect(aws.get(APP)).toBe(PLACEHOLDER);
    expect(aws.get(WEBHOOK)).toBe(GENERATED_WEBHOOK);
    expect(out).not.toContain('webhook-secret-long-enough');
  });

  it.each(['--help', '-h'])('%s prints the usage on stdout, exits 0 and sets nothing', async (flag) => {
    const { code, out, stdout } = await run([flag], `${value()}\n${value()}\n`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run set-secrets -- -c stage=<name>/);
    expect(stdout).toContain('--only app-token|webhook');
    expect(out).toBe(stdout);
    expect(aws.get(APP)).toBe(PLACEHOLDER);
    expect(aws.get(WEBHOOK)).toBe(GENERATED_WEBHOOK);
  });

  it('refuses a stage whose secrets do not exist (not deployed) before asking for anything', async () => {
    const { code, out } = await run(['-c', 'stage=dev'], 'token\nwebhook-secret-long-enough\n');
    expect(code).toBe(1);
    expect(out).toContain(`${appTokenSecretName('dev')} does not exist in us-east-1: deploy the stack first`);
  });
});
