/**
 * `npm run set-secrets -- -c stage=<name> [--only app-token|webhook]`: writes the deployed stage's mesibo
 * app token and webhook signing secret with PutSecretValue. Both secrets are found by their stage-named
 * names (the stack must be deployed); values are prompted for without echo on a terminal, or read one
 * per line from stdin otherwise (app token first), and never printed.
 */
import { readFileSync } from 'node:fs';
import {
  DescribeSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { appTokenSecretName, webhookSecretName } from '../shared/secrets/names';
import { parseWebhookSecrets } from '../shared/webhook/secrets';
import { configPath } from './config';
import { fromRoot } from './paths';

class UsageError extends Error {}

type Which = 'app-token' | 'webhook';

interface SecretToSet {
  which: Which;
  name: string;
  prompt: string;
  /** The SecretString to write, or throws a UsageError saying what is wrong (never echoing the value). */
  encode(value: string): string;
}

const USAGE = 'usage: npm run set-secrets -- -c stage=<name> [--only app-token|webhook]';
const HELP = `${USAGE}

Writes the deployed stage's mesibo app token and webhook signing secret to Secrets Manager. Values
are prompted for without echo on a terminal, or read one per line from stdin (app token first), and
never printed.

  -c stage=<name>               the stage (default: cdk.json's context.stage)
  --only app-token|webhook      set just one of the two
  --help, -h                    this text`;

const parseArgs = (argv: string[]): { stage: string; only?: Which } | 'help' => {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const context: Record<string, string> = {};
  let only: Which | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-c' || arg === '--context') {
      const [key, ...rest] = (argv[++i] ?? '').split('=');
      if (!key || rest.length === 0) throw new UsageError(`${arg} needs key=value\n${USAGE}`);
      context[key] = rest.join('=');
    } else if (arg === '--only') {
      const value = argv[++i];
      if (value !== 'app-token' && value !== 'webhook') {
        throw new UsageError(`--only takes app-token or webhook\n${USAGE}`);
      }
      only = value;
    } else {
      throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  const cdkJson = JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')) as { context?: { stage?: string } };
  const stage = context.stage ?? cdkJson.context?.stage;
  if (!stage) throw new UsageError(USAGE);
  return { stage, ...(only ? { only } : {}) };
};

/** Only where the stage lives: the rest of its config is synth's to check. */
const StagePinSchema = z.object({
  stage: z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
});

const readStagePin = (stage: string): z.infer<typeof StagePinSchema> => {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) throw new UsageError(`invalid stage name "${stage}"`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath(stage), 'utf8'));
  } catch {
    throw new UsageError(`no readable config for stage "${stage}" (infra/config/${stage}.json)`);
  }
  const pin = StagePinSchema.safeParse(raw);
  if (!pin.success || pin.data.stage !== stage) {
    throw new UsageError(`infra/config/${stage}.json does not declare stage "${stage}"`);
  }
  return pin.data;
};

const secretsOf = (stage: string): SecretToSet[] => [
  {
    which: 'app-token',
    name: appTokenSecretName(stage),
    prompt: 'mesibo app token (from the mesibo console): ',
    encode: (value) => {
      if (/\s/.test(value)) throw new UsageError('the mesibo app token has no spaces or line breaks');
      if (value.startsWith('{')) {
        throw new UsageError('give the mesibo app token itself, not JSON: the secret holds it as plain text');
      }
      return value;
    },
  },
  {
    which: 'webhook',
    name: webhookSecretName(stage),
    prompt: 'webhook signing secret (at least 16 characters, shared with your system): ',
    encode: (value) => {
      const secretString = JSON.stringify({ current: value });
      try {
        parseWebhookSecrets(secretString);
      } catch {
        throw new UsageError('the webhook signing secret needs at least 16 characters');
      }
      return secretString;
    },
  },
];

/** One line typed on the terminal with nothing echoed; Ctrl-C aborts. */
const promptHidden = (prompt: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const { stdin, stderr } = process;
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (result: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      result();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(value));
        if (ch === '\u0003') return done(() => reject(new UsageError('aborted; nothing more was set')));
        if (ch === '\u0004') return done(() => resolve(value));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });

const readStdinLines = async (): Promise<string[]> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
};

const accountOf = (arn: string | undefined) => arn?.split(':')[4];

const main = async () => {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(HELP);
    return;
  }
  const { stage, only } = args;
  const pin = readStagePin(stage);
  const client = new SecretsManagerClient(pin.region ? { region: pin.region } : {});
  const region = await client.config.region();
  const secrets = secretsOf(stage).filter((s) => !only || s.which === only);

  // Before asking for anything: each secret exists here (the stack is deployed), in the pinned account.
  for (const secret of secrets) {
    try {
      const { ARN } = await client.send(new DescribeSecretCommand({ SecretId: secret.name }));
      if (pin.account && accountOf(ARN) !== pin.account) {
        throw new UsageError(
          `${secret.name} is in account ${accountOf(ARN)}, but stage ${stage} is pinned to ${pin.account}: use that account's credentials`,
        );
      }
    } catch (e) {
      if (e instanceof ResourceNotFoundException) {
        throw new UsageError(
          `${secret.name} does not exist in ${region}: deploy the stack first (npm run deploy -- -c stage=${stage})`,
        );
      }
      throw e;
    }
  }

  // Every value is read and checked before the first write, so a bad one sets nothing.
  const lines = process.stdin.isTTY ? undefined : await readStdinLines();
  const values: string[] = [];
  for (const [i, secret] of secrets.entries()) {
    const value = (lines ? (lines[i] ?? '') : await promptHidden(secret.prompt)).trim();
    if (value === '') throw new UsageError(`no value given for ${secret.name}; nothing was set`);
    values.push(secret.encode(value));
  }

  for (const [i, secret] of secrets.entries()) {
    const { VersionId } = await client.send(
      new PutSecretValueCommand({ SecretId: secret.name, SecretString: values[i]! }),
    );
    console.log(`set ${secret.name} in ${region} (version ${VersionId})`);
  }
  if (secrets.some((s) => s.which === 'app-token')) {
    console.log(
      'Functions still holding the placeholder use the token within 30 s (others at their next refresh); check with GET /v1/health?deep=1.',
    );
  }
};

main().catch((e: unknown) => {
  // A UsageError is written for the operator; an AWS error's name and message never carry the value.
  console.error(
    e instanceof UsageError ? e.message : `set-secrets failed: ${(e as Error).name}: ${(e as Error).message}`,
  );
  process.exitCode = 1;
});
