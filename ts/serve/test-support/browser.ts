/**
 * A real browser for the web app's tests: Debian's Chromium, headless,
 * driven by playwright-core (never `playwright install`, which downloads a
 * browser build: this project's machines only reach package registries).
 * A missing Chromium or an unbuilt web app fails the test with what to run,
 * it is never skipped. Screenshots go to .cache/screenshots/ on every run
 * (so a test run leaves the working tree clean), and to docs/screenshots/
 * (committed, linked from the README) with SENTIO_SCREENSHOTS_DIR=docs/screenshots
 * — `npm run screenshots`.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { packageRoot } from '../../engine/index.js';

export const CHROMIUM = process.env.SENTIO_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

/** The web app must be built (bootstrap's "web app" step); throws saying how otherwise. */
export function requireWebBuild(): void {
  const index = path.join(packageRoot(), 'web', 'dist', 'index.html');
  if (!fs.existsSync(index)) {
    throw new Error(
      `the web app is not built (${index} missing): run \`npm run build:web\` or \`node scripts/bootstrap.mjs\` (its "web app" step)`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the web app's browser tests drive Debian's chromium. ` +
        'Run `node scripts/bootstrap.mjs` (its "browser" step apt-installs it) or `apt-get install chromium`.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * Uncaught page errors and console errors (CSP violations included), to
 * assert none happened; failed network requests are left out, because the
 * offline tests stop the server on purpose.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|net::ERR_/.test(m.text())) {
      errors.push(`console: ${m.text()}`);
    }
  });
  return errors;
}

/** Save a full-page screenshot as <SENTIO_SCREENSHOTS_DIR or .cache/screenshots>/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.resolve(
    packageRoot(),
    process.env.SENTIO_SCREENSHOTS_DIR ?? path.join('.cache', 'screenshots'),
  );
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  // Transient notifications would cover the page.
  await page.evaluate(() => document.getElementById('toasts')?.replaceChildren());
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
