// `sentio alerts` as users run it (child processes against a temp store with a
// real model and real logged traffic): rules set/show/reset, evaluate (with a
// signed webhook to a real receiver), list and history as tables and JSON,
// and typed errors with their exit codes. Runs on a SQLite and a PostgreSQL
// store.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sentio } from '../../train/test-support/cli.js';
import { PredictionLogger } from '../logger.js';
import { openMonitorStore } from '../open.js';
import { monitorBackends } from '../test-support/backends.js';
import { tempDir } from '../test-support/fixtures.js';
import type { WebhookPayload } from './payload.js';
import { verifySignature } from './signature.js';
import { type Receiver, startReceiver } from './test-support/receiver.js';
import { driftedTexts, logTraffic, trainSample } from './test-support/traffic.js';

const MIN = 60_000;

for (const backend of monitorBackends())
  describe(`sentio alerts (${backend.name})`, () => {
    const cleanups: Array<() => void | Promise<void>> = [];
    const t = { after: (fn: () => void | Promise<void>) => cleanups.push(fn) };
    let store = '';
    let dir = '';
    let rx: Receiver;

    before(async () => {
      dir = tempDir(t);
      store = backend.name === 'sqlite' ? path.join(dir, 'store') : await backend.location(t);
      const sample = await trainSample(store);
      await sample.registry.close();
      const logger = new PredictionLogger(await openMonitorStore(store), { bucketMs: MIN });
      logger.attach(sample.name, sample.version, sample.model, sample.profile.reference);
      const now = Date.now();
      logTraffic(logger, sample, driftedTexts(600), {
        prefix: 'd',
        from: now - 10 * MIN,
        to: now - 1000,
      });
      await logger.close();
      rx = await startReceiver();
    });

    after(async () => {
      await rx?.close();
      for (const fn of cleanups.reverse()) await fn();
    });

    const run = (args: string[], env: Record<string, string> = {}) =>
      sentio(['alerts', ...args, '--store', store], { env });

    test('rules: defaults, set from YAML, show --json, reset', async () => {
      const shown = await run(['rules', 'show', 'fb']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /fb: default rules \(nothing stored/);
      assert.match(
        shown.stdout,
        /rollout_aborted\s+rollout_aborted\s+a rollout aborted in the last 1h\s+0s\s+critical/,
      );

      const file = path.join(dir, 'rules.yml');
      fs.writeFileSync(
        file,
        'defaults: false\nrules:\n  - name: input_drift\n    kind: drift\n    signals: [token_js, oov_rate]\n    for: 0s\n    severity: critical\n',
      );
      const set = await run(['rules', 'set', 'fb', file]);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /Set fb: rules set .* \(defaults off\)/);
      assert.match(
        set.stdout,
        /input_drift\s+drift\s+drift on token_js, oov_rate\s+0s\s+critical\s+yes/,
      );
      const json = await run(['rules', 'show', 'fb', '--json']);
      const doc = JSON.parse(json.stdout);
      assert.equal(doc.source, 'stored');
      assert.deepEqual(doc.rules, [
        {
          name: 'input_drift',
          kind: 'drift',
          signals: ['token_js', 'oov_rate'],
          for: '0s',
          severity: 'critical',
        },
      ]);

      // Errors: unknown model (registry), invalid file (names the field), missing file.
      const unknown = await run(['rules', 'set', 'nope', file]);
      assert.equal(unknown.code, 6);
      assert.match(unknown.stderr, /REGISTRY_NOT_FOUND/);
      const badFile = path.join(dir, 'bad.yml');
      fs.writeFileSync(badFile, 'rules:\n  - name: drift\n    for: soon\n');
      const bad = await run(['rules', 'set', 'fb', badFile]);
      assert.equal(bad.code, 11);
      assert.match(
        bad.stderr,
        /ALERT_RULES_INVALID: .*bad\.yml: rule "drift": for: expected a duration/,
      );
      const missing = await run(['rules', 'set', 'fb', path.join(dir, 'none.yml')]);
      assert.equal(missing.code, 11);
      assert.match(missing.stderr, /ALERT_RULES_INVALID: .*none\.yml: cannot read/);
    });

    test('evaluate fires on drifted traffic and sends a signed webhook; list and history show it', async () => {
      const secret = 'cli-secret';
      const ev = await run(['evaluate', '--window', '1h', '--webhook', rx.url, '--json'], {
        SENTIO_ALERT_WEBHOOK_SECRET: secret,
      });
      assert.equal(ev.code, 0, ev.stderr);
      const out = JSON.parse(ev.stdout);
      assert.deepEqual(
        out.transitions.map((x: { labels: { signal: string }; to: string }) => [
          x.labels.signal,
          x.to,
        ]),
        [
          ['token_js', 'firing'],
          ['oov_rate', 'firing'],
        ],
      );
      await rx.waitFor((r) => r.length === 2);
      for (const r of rx.requests) {
        assert.ok(verifySignature(secret, r.body, r.headers['x-sentio-signature-256']));
        assert.equal((r.json as WebhookPayload).alerts[0]?.labels.alertname, 'input_drift');
      }

      // Evaluating again: nothing new, nothing sent.
      const again = await run(['evaluate', '--webhook', rx.url]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /evaluated 1 model\(s\), 0 change\(s\)/);
      assert.equal(rx.requests.length, 2);

      const list = await run(['list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(
        list.stdout,
        /firing\s+critical\s+fb\s+input_drift\s+signal=token_js\s+0\.\d{4}\s+0\.2000/,
      );
      const listJson = JSON.parse((await run(['list', '--model', 'fb', '--json'])).stdout);
      assert.equal(listJson.length, 2);
      assert.ok(listJson.every((a: { state: string }) => a.state === 'firing'));
      assert.deepEqual(JSON.parse((await run(['list', '--model', 'other', '--json'])).stdout), []);

      const hist = await run(['history', '--model', 'fb']);
      assert.match(
        hist.stdout,
        /fb\s+input_drift\s+signal=oov_rate\s+inactive → firing\s+critical/,
      );
      const deliveries = JSON.parse((await run(['history', '--deliveries', '--json'])).stdout);
      assert.deepEqual(
        deliveries.map((d: { outcome: string; attempts: number }) => [d.outcome, d.attempts]),
        [
          ['delivered', 1],
          ['delivered', 1],
        ],
      );

      // Back to the defaults: the stored rule is gone, its alerts resolve at the next evaluation.
      const reset = await run(['rules', 'reset', 'fb']);
      assert.match(reset.stdout, /Reset the rules of fb to the defaults/);
      const after = JSON.parse((await run(['evaluate', '--json'])).stdout);
      assert.deepEqual(
        after.transitions
          .filter((x: { rule: string }) => x.rule === 'input_drift')
          .map((x: { to: string }) => x.to),
        ['resolved', 'resolved'],
      );
    });

    test('prune keeps recent history', async () => {
      const r = await run(['prune', '--max-age', '30d', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { events: 0, deliveries: 0, alerts: 0 });
      const bad = await run(['prune', '--max-age', 'old']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /MONITOR_BAD_OPTION: --max-age "old"/);
    });

    test('bad options and a store without monitoring', async () => {
      const limit = await run(['history', '--limit', 'lots']);
      assert.equal(limit.code, 2);
      assert.match(limit.stderr, /ALERT_BAD_OPTION: --limit: expected a positive integer/);
      const empty = await sentio(['alerts', 'list', '--store', path.join(dir, 'empty')]);
      assert.equal(empty.code, 10);
      assert.match(empty.stderr, /MONITOR_STORE_NOT_FOUND/);
    });
  });
