/**
 * What the dev helpers share: the running stack's URL (PORT, as `npm start` reads it), the state
 * directory, SigV4 signing with the local credentials, and printing a response.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { DevCredentials } from '../auth/dev-credentials';
import { LOCAL_AWS } from '../dynamo';
import { IAM_SERVICE } from '../gateway/iam-authorizer';

export const stackUrl = (env: Record<string, string | undefined> = process.env): string =>
  `http://127.0.0.1:${env.PORT || '3000'}`;

/** Signs a request for an IAM route as an AWS SDK would (the path goes out percent-encoded). */
export const signedHeaders = async (
  credentials: Pick<DevCredentials, 'accessKeyId' | 'secretAccessKey'>,
  request: { method: string; url: string; body?: string; headers?: Record<string, string> },
  options: { region?: string; signingDate?: Date } = {},
): Promise<Record<string, string>> => {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [prev, v].flat();
  }
  const signer = new SignatureV4({
    credentials,
    region: options.region ?? LOCAL_AWS.region,
    service: IAM_SERVICE,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host, ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, String(v)]));
};

/** `HTTP <status>`, then the body (JSON pretty-printed). */
export const printResponse = async (res: Response): Promise<void> => {
  console.log(`HTTP ${res.status} ${res.statusText}`);
  const type = res.headers.get('content-type');
  if (type) console.log(`content-type: ${type}`);
  const text = await res.text();
  if (!text) return;
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    console.log(text);
  }
};

/**
 * Runs a helper's main, turning an error into one line on stderr and exit code 1. A reader that stops
 * early (`| head -1`) closes stdout: the rest of the output is dropped quietly, not an EPIPE crash.
 */
export const runMain = (name: string, main: () => Promise<number | undefined>): void => {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  main().then(
    (code) => process.exit(code ?? 0),
    (e: unknown) => {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      const hint = cause === 'ECONNREFUSED' ? ` (is \`npm start\` running on ${stackUrl()}?)` : '';
      console.error(`${name}: ${(e as Error).message}${hint}`);
      process.exit(1);
    },
  );
};
