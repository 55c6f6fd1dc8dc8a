import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { RunMode } from '../cluster-harness';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it): no browser is downloaded. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'], headless: true });
}

/**
 * A fresh browser profile at 1280×800 that records what must never happen: a JavaScript dialog
 * (an injected script's alert), a page error, or a request whose URL carries `secret`.
 */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  dialogs: string[];
  pageErrors: string[];
  requestUrls: string[];
  /** What the browser refused under the Content-Security-Policy (its console errors say so). */
  cspViolations: string[];
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const watched: WatchedPage = { context, page, dialogs: [], pageErrors: [], requestUrls: [], cspViolations: [] };
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => watched.pageErrors.push(error.message));
  page.on('request', (request) => watched.requestUrls.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) watched.cspViolations.push(message.text());
  });
  return watched;
}

/** Signs in through the form, as a person would, and waits for the shell. */
export async function signIn(page: Page, consoleUrl: string, key: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * With CONSOLE_SCREENSHOTS=<dir> (e.g. docs/console), the suite saves what a person sees at
 * 1280×800 under that directory as <name>.png; without it, nothing is written.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env['CONSOLE_SCREENSHOTS'];
  if (dir) await page.screenshot({ path: `${dir}/${name}.png` });
}

/** `screenshot` for a suite run in both modes: taken in the standalone run only (the pages are the same in both). */
export function screenshotIn(mode: RunMode): (page: Page, name: string) => Promise<void> {
  return (page, name) => (mode === 'standalone' ? screenshot(page, name) : Promise.resolve());
}
