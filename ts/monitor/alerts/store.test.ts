// The alert store, on SQLite (monitor.db) and PostgreSQL (one body per
// backend, monitorBackends()): the forward-only migration from a part-1
// monitor.db (schema 1, predictions kept; SQLite only), rules, the state machine
// applied in one transaction with history, de-duplication across two
// processes' connections (each transition is committed, so notified, once),
// open alerts of removed rules closed, deliveries, pruning.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { predictionRow } from '../backend-rows.js';
import { openMonitorStore } from '../open.js';
import { MONITOR_MIGRATIONS, MONITOR_SCHEMA_VERSION } from '../sqlite/migrations.js';
import { monitorBackends } from '../test-support/backends.js';
import { tempDir } from '../test-support/fixtures.js';
import { parseRuleDocument } from './rules.js';
import { openAlertStore } from './sqlite-store.js';
import type { Observation } from './types.js';

const MIN = 60_000;
const RULES = parseRuleDocument(
  {
    defaults: false,
    rules: [
      { name: 'drift', kind: 'drift', for: '2m', severity: 'warning' },
      { name: 'aborts', kind: 'rollout_aborted', severity: 'critical' },
    ],
  },
  't',
).rules;

function drift(signal: string, active: boolean | null, value = 0.4): Observation {
  return {
    rule: 'drift',
    severity: 'warning',
    labels: { signal },
    active,
    value,
    threshold: 0.2,
    summary: `${signal} ${value}`,
  };
}

describe('SQLite alert store', () => {
  test('SQLite only: migrates a schema-1 monitor.db forward, keeping its predictions', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'monitor.db');
    const v1 = new Database(file);
    v1.exec(MONITOR_MIGRATIONS[0]?.sql ?? '');
    v1.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', '1')").run();
    v1.prepare(
      `INSERT INTO predictions (id, at, model, version, env, arm, label, confidence, probabilities, latency_ms, text_length)
       VALUES ('p1', 1, 'imdb', 1, 'production', 'stable', 'positive', 0.9, '{}', 0.3, 10)`,
    ).run();
    // Server-form ids (PREFIX-COUNTER) of two streams, interleaved, one with feedback.
    const insert = v1.prepare(
      `INSERT INTO predictions (id, at, model, version, env, arm, label, confidence, probabilities, latency_ms, text_length, text_sha256, tokens, oov_tokens)
       VALUES (?, ?, 'imdb', 1, 'production', ?, ?, ?, ?, 0.5, 20, ?, 7, 1)`,
    );
    for (let i = 1; i <= 6; i++) {
      const p = 0.1 * i;
      insert.run(
        `pabc-${i.toString(36)}`,
        1000 + i,
        i % 2 ? 'stable' : 'canary',
        p > 0.5 ? 'pos' : 'neg',
        Math.max(p, 1 - p),
        JSON.stringify({ neg: 1 - p, pos: p }),
        'ab'.repeat(32),
      );
    }
    v1.prepare(
      "INSERT INTO feedback (prediction_id, label, at, source) VALUES ('pabc-4', 'neg', 5000, 'api')",
    ).run();
    const before = v1.prepare('SELECT * FROM predictions ORDER BY at, seq').all();
    v1.close();
    // A reader refuses the old schema rather than guessing.
    await assert.rejects(openAlertStore(dir, { readonly: true }), {
      code: 'MONITOR_STORE_INVALID',
    });
    const store = await openAlertStore(dir);
    await store.close();
    const db = new Database(file, { readonly: true });
    const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as {
      value: string;
    };
    assert.equal(Number(version.value), MONITOR_SCHEMA_VERSION);
    assert.equal(MONITOR_SCHEMA_VERSION, 3);
    const tables = (
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .all() as Array<{
        name: string;
      }>
    ).map((r) => r.name);
    assert.deepEqual(tables, [
      'alert_deliveries',
      'alert_events',
      'alert_rules',
      'alerts',
      'feedback',
      'meta',
      'prediction_blocks',
      'prediction_ids',
      'token_buckets',
    ]);
    db.close();
    // Every prediction is still there, read back as before; feedback still joins.
    const backend = await openMonitorStore(dir, { readonly: true });
    const rows = await backend.predictions({});
    assert.deepEqual(
      rows,
      before.map((r) => predictionRow(r as Record<string, unknown>)),
    );
    const labelled = await backend.labelled({});
    assert.deepEqual(
      labelled.map((r) => [r.id, r.arm, r.truth]),
      [['pabc-4', 'canary', 'neg']],
    );
    await backend.close();
    // Read-only works now, and a missing store is a typed error.
    await (await openAlertStore(dir, { readonly: true })).close();
    await assert.rejects(openAlertStore(path.join(dir, 'nope'), { readonly: true }), {
      code: 'MONITOR_STORE_NOT_FOUND',
    });
  });
});

for (const backend of monitorBackends()) {
  describe(`alert store (${backend.name})`, () => {
    test('rules: set, get, list, delete', async (t) => {
      const store = await openAlertStore(await backend.location(t));
      t.after(() => store.close());
      assert.equal(await store.getRules('imdb'), null);
      await store.setRules(
        'imdb',
        { defaults: true, rules: [{ name: 'drift', for: '1h' }] },
        'ana@host',
      );
      const got = await store.getRules('imdb');
      assert.deepEqual(got?.document, { defaults: true, rules: [{ name: 'drift', for: '1h' }] });
      assert.equal(got?.updatedBy, 'ana@host');
      assert.deepEqual(await store.ruleModels(), ['imdb']);
      assert.equal(await store.deleteRules('imdb'), true);
      assert.equal(await store.deleteRules('imdb'), false);
    });

    test('apply: pending → firing → resolved with history, one row per fingerprint', async (t) => {
      const store = await openAlertStore(await backend.location(t));
      t.after(() => store.close());
      const steps: Array<[number, Observation[]]> = [
        [0, [drift('token_js', true), drift('oov_rate', false)]],
        [1, [drift('token_js', true), drift('oov_rate', null)]],
        [2, [drift('token_js', true, 0.5), drift('oov_rate', true)]],
        [3, [drift('token_js', true), drift('oov_rate', false)]],
        [9, [drift('token_js', false, 0.1), drift('oov_rate', false)]],
      ];
      const notified: string[] = [];
      for (const [m, obs] of steps) {
        for (const tr of await store.apply('imdb', RULES, obs, m * MIN)) {
          if (tr.notify) notified.push(`${m}:${tr.alert.labels.signal}:${tr.notify}`);
        }
      }
      assert.deepEqual(notified, ['2:token_js:firing', '9:token_js:resolved']);
      const all = await store.alerts({ model: 'imdb' });
      assert.deepEqual(
        all.map((a) => [a.labels.signal, a.state]),
        [
          ['token_js', 'resolved'],
          ['oov_rate', 'inactive'],
        ],
      );
      const tok = all.find((a) => a.labels.signal === 'token_js');
      assert.equal(tok?.activeAt, 0);
      assert.equal(tok?.firedAt, 2 * MIN);
      assert.equal(tok?.resolvedAt, 9 * MIN);
      const history = await store.history({ model: 'imdb' });
      assert.deepEqual(
        history.map((e) => `${e.at / MIN}:${e.labels.signal}:${e.from}→${e.to}`),
        [
          '0:token_js:inactive→pending',
          '2:token_js:pending→firing',
          '2:oov_rate:inactive→pending',
          '3:oov_rate:pending→inactive',
          '9:token_js:firing→resolved',
        ],
      );
      assert.equal(history[1]?.value, 0.5);
      assert.deepEqual(
        (await store.history({ model: 'imdb', limit: 2 })).map((e) => e.seq),
        history.slice(-2).map((e) => e.seq),
      );
      assert.equal((await store.history({ since: 3 * MIN })).length, 2);
      assert.equal((await store.alerts({ states: ['firing', 'pending'] })).length, 0);
    });

    test('two processes evaluating the same model: each transition once', async (t) => {
      const dir = await backend.location(t);
      const a = await openAlertStore(dir);
      const b = await openAlertStore(dir);
      t.after(() => Promise.all([a.close(), b.close()]));
      const notes: string[] = [];
      for (const m of [0, 1, 2, 3]) {
        const obs = [drift('token_js', m < 3)];
        // Both servers see the same thing at (nearly) the same time.
        const [ta, tb] = await Promise.all([
          a.apply('imdb', RULES, obs, m * MIN),
          b.apply('imdb', RULES, obs, m * MIN + 5),
        ]);
        for (const [who, ts] of [
          ['a', ta],
          ['b', tb],
        ] as const) {
          for (const tr of ts) if (tr.notify) notes.push(`${m}:${who}:${tr.notify}`);
        }
      }
      // Whichever commits first notifies (on SQLite the first to start; on PostgreSQL either).
      assert.deepEqual(
        notes.map((n) => n.replace(/:[ab]:/, ':')),
        ['2:firing', '3:resolved'],
      );
      assert.equal((await a.history({})).length, 3);
    });

    test('alerts of a removed or disabled rule close; aborted rollouts age out', async (t) => {
      const store = await openAlertStore(await backend.location(t));
      t.after(() => store.close());
      const abort: Observation = {
        rule: 'aborts',
        severity: 'critical',
        labels: { env: 'production', kind: 'canary', rollout: '3', version: '2' },
        active: true,
        value: 1,
        threshold: null,
        summary: 'aborted',
      };
      const first = await store.apply('imdb', RULES, [abort, drift('token_js', true)], 0);
      assert.deepEqual(
        first.map((tr) => [tr.alert.rule, tr.to, tr.notify]),
        [
          ['aborts', 'firing', 'firing'],
          ['drift', 'pending', null],
        ],
      );
      // Next evaluation: the rollout is past the lookback (not observed) and the drift rule was removed.
      const next = await store.apply('imdb', RULES.slice(1), [], MIN);
      assert.deepEqual(next.map((tr) => [tr.alert.rule, tr.from, tr.to, tr.notify]).sort(), [
        ['aborts', 'firing', 'resolved', 'resolved'],
        ['drift', 'pending', 'inactive', null],
      ]);
      // Another model's alerts are untouched by this model's evaluation.
      await store.apply('other', RULES, [abort], 2 * MIN);
      await store.apply('imdb', RULES, [], 3 * MIN);
      assert.equal((await store.alerts({ model: 'other', states: ['firing'] })).length, 1);
    });

    test('deliveries and pruning', async (t) => {
      const store = await openAlertStore(await backend.location(t));
      t.after(() => store.close());
      const [tr] = await store.apply(
        'imdb',
        RULES,
        [{ ...drift('token_js', true), rule: 'aborts' }],
        0,
      );
      assert.ok(tr);
      const n = { status: 'firing' as const, alert: tr.alert, repeat: false, at: 0 };
      await store.recordDelivery(
        n,
        { notifier: 'webhook:x', outcome: 'failed', attempts: 6, error: 'HTTP 503' },
        10,
      );
      await store.recordDelivery(n, { notifier: 'log', outcome: 'delivered', attempts: 1 }, 20);
      const d = await store.deliveries({ model: 'imdb' });
      assert.deepEqual(
        d.map((x) => [x.notifier, x.outcome, x.attempts, x.error ?? null, x.status]),
        [
          ['webhook:x', 'failed', 6, 'HTTP 503', 'firing'],
          ['log', 'delivered', 1, null, 'firing'],
        ],
      );
      await store.apply('imdb', RULES, [], 5 * MIN); // resolves it
      const pruned = await store.prune(6 * MIN);
      assert.deepEqual(pruned, { events: 2, deliveries: 2, alerts: 1 });
      assert.equal((await store.alerts()).length, 0);
      if (backend.name === 'sqlite') assert.ok(fs.existsSync(store.location));
    });
  });
}
