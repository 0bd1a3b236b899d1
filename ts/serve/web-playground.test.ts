// The playground in a real browser (Debian's Chromium, headless): it predicts
// with the WASM engine, agrees with the server, and after the server is
// stopped it still opens, predicts and batch-scores from the browser's caches
// — with results identical to the server's for 300 texts of the shared data.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../data/index.js';
import {
  launchChromium,
  requireWebBuild,
  screenshot,
  watchErrors,
} from './test-support/browser.js';
import { dataFile, type Json, makeStore, serve, tempDir } from './test-support/fixtures.js';

const N = 300;

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

test('web playground: WASM predictions equal the server, also offline after the server stops', async (t) => {
  requireWebBuild();
  const browser = await launchChromium();
  t.after(() => browser.close());
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store);
  const all = (await loadDataset(dataFile('airline_tweets', 'all.csv'))).texts;
  const texts = [...new Set(all)].slice(0, N);
  assert.equal(texts.length, N);

  // What the server says, for every text (one batch request).
  const res = await fetch(`${server.url}/v1/models/sentiment/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ texts }),
  });
  assert.equal(res.status, 200);
  const expected = ((await res.json()) as Json).predictions as Array<{
    label: string;
    probabilities: Record<string, number>;
  }>;

  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#pg-status[data-ready="true"][data-online="true"]');
  // The service worker holds the app shell before we go offline.
  await page.waitForFunction(() => document.body.dataset.offlineReady === 'true');

  // Online, with the server comparison on: same label and identical probabilities.
  await page.check('#pg-compare');
  for (const i of [0, 1, 2]) {
    const text = texts[i] as string;
    await page.fill('#pg-text', text);
    await page.waitForFunction(
      (t) => document.querySelector<HTMLElement>('#pg-agree')?.dataset.text === t,
      text,
    );
    assert.equal(await page.getAttribute('#pg-agree', 'data-agree'), 'true', `text ${i}`);
    assert.equal(await page.getAttribute('#pg-label', 'data-label'), expected[i]?.label);
  }
  await screenshot(page, 'playground');

  // Server gone: the page reloads from the service worker, the model from the Cache API.
  await server.close();
  await assert.rejects(fetch(`${server.url}/healthz`));
  await page.reload();
  await page.waitForSelector('#pg-status[data-ready="true"][data-online="false"]');
  const i = 7;
  await page.fill('#pg-text', texts[i] as string);
  // Rendered for this text (the highlighted copy is the text itself).
  await page.waitForFunction(
    (t) => document.querySelector('#pg-highlight')?.textContent === t,
    texts[i] as string,
  );
  assert.equal(await page.getAttribute('#pg-label', 'data-label'), expected[i]?.label);
  const shown = await page.$$eval('#pg-local .prob', (rows) =>
    rows.map((r) => [
      (r as HTMLElement).dataset.class,
      Number((r.querySelector('[data-p]') as HTMLElement).dataset.p),
    ]),
  );
  assert.deepEqual(Object.fromEntries(shown), expected[i]?.probabilities);

  // Batch mode, offline: the CSV scored in a worker, downloaded as JSONL.
  const csv = path.join(tempDir(t), 'tweets.csv');
  fs.writeFileSync(csv, `text\n${texts.map((x) => `${csvField(x)}\n`).join('')}`);
  await page.setInputFiles('#batch-file', csv);
  await page.waitForSelector('#batch-done', { timeout: 30_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#batch-download-jsonl'),
  ]);
  const lines = fs
    .readFileSync(await download.path(), 'utf8')
    .trim()
    .split('\n');
  assert.equal(lines.length, N);
  let same = 0;
  lines.forEach((line, k) => {
    const got = JSON.parse(line) as {
      text: string;
      label: string;
      probabilities: Record<string, number>;
    };
    assert.equal(got.text, texts[k]);
    assert.equal(got.label, expected[k]?.label, `row ${k + 1}`);
    assert.deepEqual(got.probabilities, expected[k]?.probabilities, `row ${k + 1}`);
    same++;
  });
  assert.equal(same, N);
  await screenshot(page, 'playground-offline');
  assert.deepEqual(errors, []);
  await context.close();
});
