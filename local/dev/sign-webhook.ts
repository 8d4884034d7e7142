/**
 * `npm run sign-webhook -- <file> [--print]`: signs the file's bytes with the local webhook secret
 * (`X-Mesibo-Signature: t=<unix>,v1=<hex>`, as the customer's system would), sends it to
 * `POST /v1/webhooks/groups` and prints the response. `--print` prints the signed headers and a curl
 * command that sends the file's exact bytes instead.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { signPayload } from '../../shared/webhook/signature';
import { readSecrets } from '../secrets';
import { stateDir } from '../state-dir';
import { printResponse, runMain, stackUrl } from './client';

export const WEBHOOK_PATH = '/v1/webhooks/groups';

runMain('sign-webhook', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { print: { type: 'boolean' } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new Error('usage: npm run sign-webhook -- <file> [--print]');
  const body = await readFile(file);
  const secrets = await readSecrets(stateDir());
  const headers = {
    'content-type': 'application/json',
    'x-mesibo-signature': signPayload(secrets.webhook.current, body, Math.floor(Date.now() / 1000)),
  };
  if (values.print) {
    for (const [name, value] of Object.entries(headers)) console.log(`${name}: ${value}`);
    // The signature covers the exact bytes: `curl -d @file` strips newlines and would get a 401.
    const headerArgs = Object.entries(headers).map(([name, value]) => `-H '${name}: ${value}'`);
    console.log(
      '\n# send the exact bytes (--data-binary; curl -d @file strips newlines and fails the signature):',
    );
    console.log(
      `curl -X POST ${stackUrl()}${WEBHOOK_PATH} ${headerArgs.join(' ')} --data-binary ${shellArg(`@${file}`)}`,
    );
    return 0;
  }
  const res = await fetch(`${stackUrl()}${WEBHOOK_PATH}`, { method: 'POST', headers, body });
  await printResponse(res);
  return res.ok ? 0 : 1;
});

const shellArg = (value: string): string =>
  /^[\w./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
