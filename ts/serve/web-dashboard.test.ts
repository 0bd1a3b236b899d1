// The dashboard in a real browser (Debian's Chromium, headless): a version
// registered and a promotion made outside the page appear without a reload
// (server-sent events); admin actions without the admin token fail visibly
// and change nothing; with it they run through the same gates as the CLI
// (a refused promotion shows its gate table). Screenshots of the main pages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import type { Dataset } from '../data/index.js';
import { loadDataset } from '../data/index.js';
import { canaryStart, promote, setPolicy } from '../deploy/index.js';
import { openMonitorStore, PredictionLogger, recordFeedback } from '../monitor/index.js';
import { openRegistry } from '../registry/index.js';
import {
  type DataProfile,
  inlineDataset,
  loadVersionModel,
  parseSweep,
  resolveTrainOptions,
  trainAndRegister,
} from '../train/index.js';
import { startServer } from './server.js';
import {
  launchChromium,
  requireWebBuild,
  screenshot,
  watchErrors,
} from './test-support/browser.js';
import { CLI, dataFile, engine, type Json, tempDir } from './test-support/fixtures.js';

const TOKEN = 'web-dashboard-test-admin-token';
const MODEL = 'tweets';

/**
 * The quarter of an hour before the test's live traffic, as the server would
 * have logged it (v1 in production): 600 predictions of other tweets spread
 * over 14 minutes with varied latencies, half of them with feedback labels,
 * so the monitoring charts have a history to draw.
 */
async function logEarlierTraffic(store: string, air: Dataset, now: number): Promise<void> {
  const reg = await openRegistry(store, { readonly: true });
  const { model, version } = await loadVersionModel(reg, `${MODEL}@1`, await engine());
  const profile = JSON.parse(
    new TextDecoder().decode(await reg.artifacts.get(version.artifacts.profile as string)),
  ) as DataProfile;
  await reg.close();
  const logger = new PredictionLogger(await openMonitorStore(store), { textMode: 'hash' });
  logger.attach(MODEL, 1, model, profile.reference);
  const picked = air.texts.map((text, i) => ({ text, label: air.labels[i] as string }));
  const rows = picked.filter((_, i) => i % 3 === 2).slice(0, 600);
  const b = model.predictBatch(rows.map((r) => r.text));
  const start = now - 15 * 60_000;
  const ids: Array<[string, string]> = [];
  rows.forEach((r, i) => {
    const id = `earlier-${i}`;
    logger.log({
      id,
      model: MODEL,
      version: 1,
      env: 'production',
      label: b.labelNames[i] as string,
      classes: model.classes,
      probabilities: b.probabilities.subarray(i * b.nClasses, (i + 1) * b.nClasses),
      latencyMs: 0.4 + ((i * 37) % 23) / 10 + (i % 50 === 0 ? 6 : 0),
      text: r.text,
      at: start + Math.floor((i * 14 * 60_000) / rows.length),
    });
    if (i % 2 === 0) ids.push([id, r.label]);
  });
  await logger.close();
  const backend = await openMonitorStore(store);
  for (const [id, label] of ids) await recordFeedback(backend, id, label);
  await backend.close();
  model.dispose();
}

test('web dashboard: live version and promotion, admin actions behind the token', async (t) => {
  requireWebBuild();
  const browser = await launchChromium();
  t.after(() => browser.close());
  const e = await engine();
  const store = path.join(tempDir(t, 'sentio-web-'), 'store');
  const air = await loadDataset(dataFile('airline_tweets', 'all.csv'));
  const rows = air.texts
    .map((text, i) => ({ text, label: air.labels[i] as string }))
    .filter((_, i) => i % 3 === 0);
  const train = async (extra: Record<string, unknown>) => {
    const r = await trainAndRegister({
      options: resolveTrainOptions(
        { data: 'airline-tweets-sub', model: MODEL, ...extra },
        {},
        parseSweep,
      ),
      store,
      engine: e,
      inline: { train: inlineDataset('airline-tweets-sub', rows) },
    });
    return r.best;
  };
  const run1 = await train({ tag: ['team=nlp'], description: 'Airline tweet sentiment' });
  const reg = await openRegistry(store);
  t.after(() => reg.close());
  const deployed = { action: 'deploy', forced: false, gates: [] };
  await reg.moveEnvironment(MODEL, 'production', 1, { reason: 'first', details: deployed });
  await reg.moveEnvironment(MODEL, 'staging', 1, { reason: 'first', details: deployed });
  const server = await startServer({
    store,
    port: 0,
    models: [`${MODEL}@production`],
    adminToken: TOKEN,
    log: { level: 'silent' },
  });
  t.after(() => server.close());

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/#/models/${MODEL}`);
  await page.waitForSelector('table.versions a[href$="/v/1"]');
  await page.waitForFunction(() => document.body.dataset.live === 'true');
  await page.evaluate(() => {
    (window as unknown as { sameDocument: boolean }).sameDocument = true;
  });
  const sameDocument = () =>
    page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);

  // A version registered elsewhere shows up without a reload.
  const run2 = await train({ alpha: '0.3', ngram: '1-1' });
  await page.waitForSelector('table.versions a[href$="/v/2"]', { timeout: 10_000 });
  assert.ok(await sameDocument(), 'no page reload');

  // No admin token: a visible error, nothing changed.
  await page.selectOption('#deploy-version', '2');
  await page.selectOption('#deploy-env', 'staging');
  await page.click('#deploy-btn');
  await page.waitForSelector('#admin-result .error[data-code="SERVE_UNAUTHORIZED"]');
  await page.click('#promote-btn');
  await page.waitForSelector('#admin-result .error[data-code="SERVE_UNAUTHORIZED"]');
  assert.match((await page.textContent('#admin-result')) ?? '', /admin token/);
  assert.deepEqual((await reg.getModel(MODEL)).aliases, { production: 1, staging: 1 });
  await screenshot(page, 'admin-no-token');

  // With the token (Settings, kept in sessionStorage): deploy passes, the gated promotion is refused.
  await page.click('#settings-btn');
  await page.fill('#admin-token', TOKEN);
  await page.click('#settings-save');
  await setPolicy(reg, MODEL, { gates: { production: ['log_loss <= 0.01'] } });
  await page.click('#deploy-btn');
  await page.waitForSelector('#admin-result .success[data-action="deploy"]');
  assert.equal((await reg.getModel(MODEL)).aliases.staging, 2);
  await page.click('#promote-btn');
  await page.waitForSelector('#admin-result .error[data-code="DEPLOY_GATE_FAILED"] table.gates');
  const gateText = (await page.textContent('#admin-result table.gates')) ?? '';
  assert.match(gateText, /log_loss <= 0\.01/);
  assert.match(gateText, /FAIL/);
  assert.equal((await reg.getModel(MODEL)).aliases.production, 1);
  await screenshot(page, 'admin-gates');

  // A promotion made elsewhere (as `sentio promote --force`) shows up live, history included.
  await promote(reg, e, { model: MODEL, reason: 'forced past the gate by the test', force: true });
  await page.waitForSelector('#environments [data-env="production"][data-version="2"]', {
    timeout: 10_000,
  });
  await page.waitForSelector('#history tr[data-action="promote"]');
  assert.ok(await sameDocument(), 'no page reload');

  // A canary, traffic and feedback for the monitoring page.
  await canaryStart(reg, { ref: `${MODEL}@1`, env: 'production', percent: 30 });
  await page.waitForSelector('#environments .tag.canary', { timeout: 10_000 });
  await server.reload();
  const texts = air.texts.filter((_, i) => i % 3 === 1).slice(0, 240);
  const ids: Array<[string, string]> = [];
  for (let i = 0; i < texts.length; i += 24) {
    const answers = await Promise.all(
      texts.slice(i, i + 24).map(async (text) => {
        const r = await fetch(`${server.url}/v1/models/${MODEL}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        });
        assert.equal(r.status, 200);
        return ((await r.json()) as Json).id as string;
      }),
    );
    answers.forEach((id, k) => {
      ids.push([id, air.labels[air.texts.indexOf(texts[i + k] as string)] as string]);
    });
  }
  await server.flushRollouts();
  await logEarlierTraffic(store, air, Date.now());
  const monitor = await openMonitorStore(store);
  t.after(() => monitor.close());
  const deadline = Date.now() + 10_000;
  while ((await monitor.stats()).predictions < ids.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const [id, label] of ids.slice(0, 160)) await recordFeedback(monitor, id, label);
  // One evaluation of the alert rules, as the server runs them (`sentio alerts evaluate`).
  const alerts = spawnSync(
    process.execPath,
    [CLI, 'alerts', 'evaluate', '--model', MODEL, '--window', '15m', '--store', store, '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(alerts.status, 0, alerts.stderr);

  await page.goto(`${server.url}/#/monitoring/${MODEL}?window=15m`);
  await page.waitForFunction(
    (n) => Number(document.querySelector<HTMLElement>('#mon-total')?.dataset.total ?? 0) >= n,
    ids.length,
    { timeout: 10_000 },
  );
  await page.waitForSelector('#rollouts [data-kind="canary"]');
  await page.waitForSelector('table.alerts');
  await page.waitForTimeout(300); // charts draw on the next frame
  await screenshot(page, 'monitoring');

  for (const [hash, name, ready] of [
    ['#/models', 'models', 'table.models'],
    [`#/models/${MODEL}`, 'model', '#history'],
    [`#/models/${MODEL}/v/2`, 'version', '#confusion'],
    [`#/runs/compare/${run1.runId},${run2.runId}`, 'runs-compare', 'table.compare'],
  ] as const) {
    await page.goto(`${server.url}/${hash}`);
    await page.waitForSelector(ready);
    await page.waitForTimeout(300);
    await screenshot(page, name);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
