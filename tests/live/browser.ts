/** Headless Debian chromium through playwright-core, for the page tests; they skip without it. */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const NO_CHROMIUM = existsSync(CHROMIUM)
  ? false
  : `no browser at ${CHROMIUM} (Debian package chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
    ],
  });
}

/** What a page did that it should not: script errors, console errors, dialogs, requests elsewhere. */
export function watchPage(page: Page, allowedOrigin: string): { problems: string[]; requests: string[] } {
  const seen = { problems: [] as string[], requests: [] as string[] };
  page.on('pageerror', (e) => seen.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') seen.problems.push(`console error: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    seen.problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    seen.requests.push(r.url());
    if (!r.url().startsWith(allowedOrigin)) seen.problems.push(`request elsewhere: ${r.url()}`);
  });
  return seen;
}

/** Saves a screenshot when $STAMPEDE_SCREENSHOTS names a directory (docs/ when refreshing them). */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string | undefined> {
  const dir = process.env.STAMPEDE_SCREENSHOTS;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = path.resolve(dir, name);
  await page.screenshot({ path: file, fullPage });
  return file;
}
