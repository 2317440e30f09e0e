/**
 * Headless Chromium for the catalog tests: Debian's /usr/bin/chromium driven
 * by puppeteer-core (which downloads no browser), with a fresh profile that
 * the browser's close removes, and no background network of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

import { requireCommand } from './go-tools.js';

export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Starts Chromium; fails with the install command when it is missing. */
export async function launchChromium(): Promise<TestBrowser> {
  await requireCommand('chromium', 'chromium');
  const profile = await mkdtemp(path.join(tmpdir(), 'gomirror-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
