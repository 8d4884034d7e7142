/**
 * A web app in a real browser (headless Chromium) gets its user's mesibo token from `npm start`: the
 * page is served from another origin, runs the token provider of docs/app-integration.md
 * (clients/web/token-provider.ts, bundled as it is) with a bearer token, and passes the gateway's
 * CORS checks by default from any localhost port. A page from an origin not allowed is blocked by
 * the browser itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../local/auth/dev-keys';
import { emulatorControl } from '../../local/mesibo-emulator/control';
import { hasChromium, launchChromium, warnIfNoChromium } from './support/chromium';
import { ROOT, type RunningStack, startStack } from './support/local-stack';

warnIfNoChromium('the browser token test');

/** Resolved to loopback by Chromium alone; not on the gateway's default allow-list. */
const BLOCKED_HOST = 'blocked.example.test';
/** A subject as Auth0 writes it: the `|` must survive the browser, the gateway and mesibo. */
const WEB_SUBJECT = 'auth0|64f1c2a9e4b0d5f6a7b8c9e1';

const PAGE = `<!doctype html><meta charset="utf-8"><title>web app</title>
<script type="module">
  import { createTokenProvider } from './token-provider.js';
  window.createTokenProvider = createTokenProvider;
  window.providerReady = true;
</script>`;

/** Serves the page and the bundled provider, on whatever host name the browser used. */
const startPageServer = async (): Promise<Server> => {
  const bundle = await build({
    entryPoints: [`${ROOT}clients/web/token-provider.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const server = createServer((req, res) => {
    const [type, body] = req.url === '/token-provider.js' ? ['text/javascript', script] : ['text/html', PAGE];
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};

interface PageResult {
  ok: boolean;
  token?: string;
  error?: string;
  requests?: number;
}

/** Runs the provider in the page: `calls` concurrent getToken() calls, as an app's components would. */
const getTokenIn = (page: Page, apiUrl: string, idToken: string, calls = 1): Promise<PageResult> =>
  page.evaluate(
    async ({ apiUrl, idToken, calls }) => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's global, set by its module script.
      const w = globalThis as any;
      const provider = w.createTokenProvider({ apiUrl, getIdToken: async () => idToken });
      try {
        const tokens: string[] = await Promise.all(Array.from({ length: calls }, () => provider.getToken()));
        const again: string = await provider.getToken();
        const requests = performance
          .getEntriesByType('resource')
          .filter((e) => e.name.endsWith('/v1/users/me/token')).length;
        return { ok: tokens.every((t) => t === again), token: again, requests };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    },
    { apiUrl, idToken, calls },
  );

describe.skipIf(!hasChromium)('a web app gets its mesibo token (Chromium)', () => {
  let stack: RunningStack;
  let pages: Server;
  let browser: Browser;
  let pagePort: number;

  beforeAll(async () => {
    [stack, pages] = await Promise.all([startStack(), startPageServer()]);
    pagePort = (pages.address() as AddressInfo).port;
    browser = await launchChromium([`--host-resolver-rules=MAP ${BLOCKED_HOST} 127.0.0.1`]);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    await stack?.stop();
  });

  const open = async (origin: string): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (globalThis as unknown as { providerReady?: boolean }).providerReady);
    return page;
  };

  it('from another origin (a localhost dev server), with one request for three concurrent callers', async () => {
    const origin = `http://localhost:${pagePort}`;
    expect(origin).not.toBe(new URL(stack.url).origin);
    const idToken = await signDevToken(stack.stateDir, { subject: WEB_SUBJECT });
    const page = await open(origin);
    const result = await getTokenIn(page, stack.url, idToken, 3);
    expect(result).toMatchObject({ ok: true, token: expect.any(String), requests: 1 });
    const users = (await emulatorControl(stack.emulatorUrl).state({ tokens: true })).users;
    const user = users.find((u) => u.address === WEB_SUBJECT);
    expect(user?.tokens.map((t) => t.token)).toContain(result.token);
    await page.close();
  });

  it('is blocked by the browser from an origin the gateway does not allow', async () => {
    const idToken = await signDevToken(stack.stateDir, { subject: 'mallory' });
    const page = await open(`http://${BLOCKED_HOST}:${pagePort}`);
    const result = await getTokenIn(page, stack.url, idToken);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/TypeError: Failed to fetch/);
    // The browser stopped at the preflight: the function never saw the request.
    const users = (await emulatorControl(stack.emulatorUrl).state()).users;
    expect(users.map((u) => u.address)).not.toContain('mallory');
    await page.close();
  });
});
