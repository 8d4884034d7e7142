/**
 * The local console in a real browser (Debian's Chromium driven by playwright-core): it shows live
 * what the stack did (users with token expiry but no token, groups with members, messages, mesibo
 * requests, queues, schedules) and its "fire now" button fires a schedule.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../local/auth/dev-keys';
import { emulatorControl } from '../../local/mesibo-emulator/control';
import { hasChromium, launchChromium, warnIfNoChromium } from './support/chromium';
import { signedWebhook, withJwt } from './support/helpers';
import { eventually, type RunningStack, startStack } from './support/local-stack';

warnIfNoChromium('the local console browser test');

describe.skipIf(!hasChromium)('local console (Chromium)', () => {
  let stack: RunningStack;
  let browser: Browser;
  let page: Page;
  let token: string;

  beforeAll(async () => {
    stack = await startStack();
    const jwt = await signDevToken(stack.stateDir, { subject: 'alice' });
    token = ((await withJwt(stack, jwt, 'POST', '/v1/users/me/token')).json as { token: string }).token;
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

  it('shows groups with their members, the mesibo requests and the queues', async () => {
    await poll(() => table('groups').innerText()).toMatch(/Engineering[\s\S]*alice[\s\S]*bob/);
    await poll(() => table('mesibo-requests').innerText()).toMatch(/groupeditmembers/);
    expect(await table('mesibo-requests').innerText()).toMatch(/useradd\s+200\s+ok/);
    await poll(() => table('queues').innerText()).toMatch(/group-sync\.fifo\s+0\s+0\s+0\s+0\s+1 \/ 1/);
    expect(await page.getByTestId('status').innerText()).toMatch(/live · mesibo: emulator · 6\/6 functions/);
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
