/**
 * Local values of the secrets the functions read from Secrets Manager in AWS: the mesibo app token
 * (for the emulator) and the webhook signing secrets. Generated on first start into the state
 * directory, reused afterwards, never printed. They reach the functions through the same
 * `SecretSource` port the Secrets Manager adapter implements.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { SecretSource } from '../shared/ports';
import { loadOrCreate, loadRequired } from './state-dir';

export const SECRETS_FILE = 'secrets.json';

const LocalSecretsSchema = z.object({
  /** App token the emulator is started with (ignored when a real mesibo token is given). */
  mesiboAppToken: z.string().min(16),
  /** Same JSON shape as the deployed webhook secret's SecretString. */
  webhook: z.object({ current: z.string().min(16), previous: z.string().min(16).optional() }),
});
export type LocalSecrets = z.infer<typeof LocalSecretsSchema>;

const randomSecret = (): string => randomBytes(32).toString('base64url');

export const loadOrCreateSecrets = (dir: string): Promise<LocalSecrets> =>
  loadOrCreate(
    dir,
    SECRETS_FILE,
    (v) => LocalSecretsSchema.parse(v),
    () => ({
      mesiboAppToken: randomSecret(),
      webhook: { current: randomSecret() },
    }),
  );

export const readSecrets = (dir: string): Promise<LocalSecrets> =>
  loadRequired(dir, SECRETS_FILE, (v) => LocalSecretsSchema.parse(v));

/** A SecretSource over a fixed in-memory value (the local stand-in for Secrets Manager). */
export const staticSecret =
  (value: string): SecretSource =>
  async () =>
    value;

/** The webhook secret exactly as Secrets Manager would return its SecretString. */
export const webhookSecretString = (secrets: LocalSecrets): string => JSON.stringify(secrets.webhook);
