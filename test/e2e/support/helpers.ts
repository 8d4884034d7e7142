/** Calls the running stack over HTTP the ways its clients do: end-user JWT, SigV4, signed webhook. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readCredentials } from '../../../local/auth/dev-credentials';
import { signedHeaders } from '../../../local/dev/client';
import { readSecrets } from '../../../local/secrets';
import { signPayload } from '../../../shared/webhook/signature';
import { ROOT, type RunningStack } from './local-stack';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

const reply = async (res: Response): Promise<Reply> => {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
};

export const call = async (
  stack: RunningStack,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> => reply(await fetch(`${stack.url}${path}`, { method, ...init }));

export const withJwt = (stack: RunningStack, token: string, method: string, path: string, body?: unknown) =>
  call(stack, method, path, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

export const withIam = async (
  stack: RunningStack,
  method: string,
  path: string,
  body?: unknown,
  options: { signingDate?: Date; secretAccessKey?: string } = {},
): Promise<Reply> => {
  const credentials = await readCredentials(stack.stateDir);
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const url = `${stack.url}${path}`;
  const headers = await signedHeaders(
    { ...credentials, ...(options.secretAccessKey ? { secretAccessKey: options.secretAccessKey } : {}) },
    {
      method,
      url,
      ...(text === undefined ? {} : { body: text, headers: { 'content-type': 'application/json' } }),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return reply(await fetch(url, { method, headers, ...(text === undefined ? {} : { body: text }) }));
};

export const signedWebhook = async (stack: RunningStack, body: unknown, secret?: string): Promise<Reply> => {
  const text = JSON.stringify(body);
  const key = secret ?? (await readSecrets(stack.stateDir)).webhook.current;
  return call(stack, 'POST', '/v1/webhooks/groups', {
    headers: {
      'content-type': 'application/json',
      'x-mesibo-signature': signPayload(key, text, Math.floor(Date.now() / 1000)),
    },
    body: text,
  });
};

/** Runs a dev helper (`npm run <script> -- ...`) against the stack; resolves with its output. */
export const runHelper = async (stack: RunningStack, script: string, args: string[]) => {
  const { stdout, stderr } = await promisify(execFile)('npm', ['run', '-s', script, '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...stack.env },
  });
  return { stdout, stderr };
};
