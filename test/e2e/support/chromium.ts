/**
 * Debian's Chromium driven by playwright-core, launched the one way this machine allows (no sandbox,
 * no GPU, no outside network). Where it is absent, the browser tests skip and say so loudly.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export const warnIfNoChromium = (what: string): void => {
  if (hasChromium) return;
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING ${what}: ${CHROMIUM} is absent.\n!! Install it with: apt-get install -y chromium\n${'!'.repeat(78)}\n`,
  );
};

export const launchChromium = (extraArgs: string[] = []): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
