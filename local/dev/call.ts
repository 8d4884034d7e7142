/**
 * `npm run dev:call -- <METHOD> <path> [<json file>]`: signs a request with the local IAM
 * credentials (SigV4, as a signup backend or an operator would), sends it to the local stack and
 * prints the response. Exit code 0 for a 2xx answer, 1 otherwise.
 */
import { readFile } from 'node:fs/promises';
import { readCredentials } from '../auth/dev-credentials';
import { stateDir } from '../state-dir';
import { printResponse, runMain, signedHeaders, stackUrl } from './client';

runMain('dev:call', async () => {
  const [method, path, file, ...rest] = process.argv.slice(2);
  if (!method || !path?.startsWith('/') || rest.length) {
    throw new Error('usage: npm run dev:call -- <METHOD> </path> [<json file>]');
  }
  const credentials = await readCredentials(stateDir());
  const body = file ? await readFile(file, 'utf8') : undefined;
  const url = `${stackUrl()}${path}`;
  const headers = await signedHeaders(credentials, {
    method: method.toUpperCase(),
    url,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  const res = await fetch(url, {
    method: method.toUpperCase(),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  await printResponse(res);
  return res.ok ? 0 : 1;
});
