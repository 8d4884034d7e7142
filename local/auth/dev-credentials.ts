/**
 * Local IAM credentials: the one access key pair the local gateway accepts on IAM (SigV4) routes, and
 * that `npm run dev:call` signs with. Generated on first start into the state directory.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { loadOrCreate, loadRequired } from '../state-dir';

export const CREDENTIALS_FILE = 'credentials.json';

/** The local principal the IAM authorizer context reports. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_IAM_USER = 'local-dev';

const CredentialsSchema = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/),
  secretAccessKey: z.string().min(20),
  /** IAM user id (AIDA…), reported as callerId/userId. */
  userId: z.string(),
});
export type DevCredentials = z.infer<typeof CredentialsSchema>;

const base32 = (bytes: number): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(bytes)].map((b) => alphabet[b % 32]).join('');
};

export const loadOrCreateCredentials = (dir: string): Promise<DevCredentials> =>
  loadOrCreate(
    dir,
    CREDENTIALS_FILE,
    (v) => CredentialsSchema.parse(v),
    () => ({
      accessKeyId: `AKIA${base32(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      userId: `AIDA${base32(17)}`,
    }),
  );

export const readCredentials = (dir: string): Promise<DevCredentials> =>
  loadRequired(dir, CREDENTIALS_FILE, (v) => CredentialsSchema.parse(v));

export const userArn = (): string => `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/${LOCAL_IAM_USER}`;
