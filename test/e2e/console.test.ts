/**
 * The local console in a real browser (Debian's Chromium driven by playwright-core): it shows live
 * what the stack did (users with token expiry but no token, groups by key with members, messages,
 * the gateway's requests, the invocations with their log lines, mesibo requests, queues, dead letters
 * with their reason, schedules), polls only what changed, never shows a secret, and its "fire now"
 * button fires a schedule.
 */
import type { Browser, Page, Response as PlaywrightResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../local/auth/dev-keys';
import { emulatorControl } from '../../local/mesibo-emulator/control';
import { readSecrets } from '../../local/secrets';
import { hasChromium, launchChromium, warnIfNoChromium } from './support/chromium';
import { signedWebhook, withIam, withJwt } from './support/helpers';
import { eventually, type RunningStack, startStack } from './support/local-stack';

warnIfNoChromium('the local console browser test');

describe.skipIf(!hasChromium)('local console (Chromium)', () => {
  let stack: RunningStack;
  let browser: Browser;
  let page: Page;
  let token: string;
  let jwt: string;
  let tokenRequestId: string;

  beforeAll(async () => {
    stack = await startStack();
    jwt = await signDevToken(stack.stateDir, { subject: 'alice' });
    const issued = await withJwt(stack, jwt, 'POST', '/v1/users/me/token');
    token = (issued.json as { token: string }).token;
    tokenRequestId = issued.headers.get('apigw-requestid') ?? '';
    await signedWebhook(stack, {
      id: 'console-1',
      type: 'group.upsert',
      group: {
        key: 'team-eng',
        name: 'Engineering',
        members: [{ address: 'alice' }, { address: 'bob' }],
        version: 1,
      },
    });
    await eventually(async () => (await emulatorControl(stack.emulatorUrl).state()).groups[0]);
    // mesibo applies the message but answers 500: at-most-once, so the worker dead-letters the batch.
    await emulatorControl(stack.emulatorUrl).addFault({
      kind: 'status-after-apply',
      status: 500,
      ops: ['message'],
      match: 'dora',
      count: 1,
    });
    const sent = await withIam(stack, 'POST', '/v1/system-messages', {
      notificationId: 'console-maybe',
      audience: { addresses: ['dora'] },
      message: { text: 'maybe delivered' },
    });
    expect(sent.status).toBe(202);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${stack.url}/_console`);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const table = (id: string) => page.getByTestId(id);
  // The page polls every 1.5 s; wait across a few of its refreshes.
  const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000 });

  it('shows users with their token expiry and never the token itself by default', async () => {
    await poll(() => table('users').innerText()).toContain('alice');
    const text = await table('users').innerText();
    expect(text).toMatch(/com\.example\.app · expires/);
    expect(await page.content()).not.toContain(token);
  });

  it('shows a token only when asked', async () => {
    await page.getByLabel('show tokens').check();
    await poll(() => table('users').innerText()).toContain(token);
    await page.getByLabel('show tokens').uncheck();
    await poll(() => table('users').innerText()).not.toContain(token);
  });

  it('shows groups by their key with gid and member count, the mesibo requests and the queues', async () => {
    await poll(() => table('groups').innerText()).toMatch(/team-eng\s+50001\s+Engineering\s+2 members/);
    expect(await table('groups').innerText()).toMatch(/Engineering[\s\S]*alice[\s\S]*bob/);
    await poll(() => table('mesibo-requests').innerText()).toMatch(/groupeditmembers/);
    expect(await table('mesibo-requests').innerText()).toMatch(/useradd\s+200\s+ok/);
    await poll(() => table('queues').innerText()).toMatch(/group-sync\.fifo\s+0\s+0\s+0\s+0\s+1 \/ 1/);
    expect(await page.getByTestId('status').innerText()).toMatch(/live · mesibo: emulator · 6\/6 functions/);
  });

  it('shows the gateway requests with their request ids and bodies, never a credential', async () => {
    const requests = table('gateway-requests');
    await poll(() => requests.innerText()).toContain(tokenRequestId);
    const text = await requests.innerText();
    expect(text).toMatch(/POST \/v1\/users\/me\/token\s+200/);
    expect(text).toMatch(/POST \/v1\/webhooks\/groups\s+\{"id":"console-1"[^\n]*team-eng[^\n]*\s+202/);
    expect(text).toMatch(
      /POST \/v1\/system-messages\s+\{"notificationId":"console-maybe","audience":\{"addresses":\["dora"\]\}/,
    );
    // The console's own polls are not listed.
    expect(text).not.toContain('/_local/');
  });

  it('shows each invocation with its trigger, its gateway request and the lines it logged', async () => {
    const invocations = table('invocations');
    await poll(() => invocations.innerText()).toMatch(
      /send-system-message-worker\s+sqs\s+ok[\s\S]*ERROR batch dead-lettered[^\n]*outcome-unknown/,
    );
    const text = await invocations.innerText();
    expect(text).toMatch(
      new RegExp(`issue-user-token\\s+http\\s+${tokenRequestId.replace(/[+/=]/g, '\\$&')}\\s+ok`),
    );
    expect(text).toMatch(/sync-group-worker\s+sqs\s+ok/);
  });

  it('shows the dead letter with the reason it died', async () => {
    await poll(() => table('dead-letters').innerText()).toMatch(
      /fanout-dlq[\s\S]*outcome-unknown: mesibo may or may not have sent it[\s\S]*maybe delivered/,
    );
  });

  it('shows each system message with its status: the lost recipient as unknown, never as sent', async () => {
    await poll(() => table('system-messages').innerText()).toMatch(
      /console-maybe\s+done-with-failures\s+addresses\s+0\s+0\s+1\s+0/,
    );
  });

  it('polls only what changed: feeds after their cursor, views answered 304', async () => {
    const isFeedPoll = (r: PlaywrightResponse) => r.url().includes('/_local/emulator/requests?');
    // Once the page has caught up, each poll carries its cursor and nothing comes a second time...
    await poll(async () => {
      const r = await page.waitForResponse(isFeedPoll);
      const { entries } = (await r.json()) as { entries: unknown[] };
      return { since: new URL(r.url()).searchParams.has('since'), entries: entries.length };
    }).toEqual({ since: true, entries: 0 });
    // ...and a view that did not change is not sent again.
    await poll(async () =>
      (await page.waitForResponse((r) => r.url().endsWith('/_local/emulator/state'))).status(),
    ).toBe(304);
  });

  it("never puts the app token, a webhook secret or the caller's JWT on the page", async () => {
    const secrets = await readSecrets(stack.stateDir);
    const content = await page.content();
    for (const secret of [secrets.mesiboAppToken, secrets.webhook.current, jwt]) {
      expect(content).not.toContain(secret);
    }
  });

  it('fires a schedule from its button and shows the message it sent', async () => {
    const schedules = table('schedules');
    await poll(() => schedules.innerText()).toContain('weekday-standup-reminder');
    expect(await schedules.innerText()).toMatch(/cron\(0 9 \? \* MON-FRI \*\) Europe\/Berlin/);
    await schedules.getByRole('button', { name: 'fire now' }).click();
    await poll(() => table('messages').innerText()).toContain('Stand-up starts in 10 minutes.');
    await poll(() => schedules.innerText()).toMatch(/ok at/);
  });
});
