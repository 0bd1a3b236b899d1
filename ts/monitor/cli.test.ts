// The monitoring commands as users run them (child processes against a temp
// store): logs query/export/prune, feedback import, monitor report with
// --json and --html; errors carry MONITOR_* / DATA_* codes with file and line.
// Every test runs on a SQLite store and on a PostgreSQL store (the registry
// and the monitoring schema in one database).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRegistry } from '../registry/index.js';
import {
  inlineDataset,
  loadVersionModel,
  resolveTrainOptions,
  sampleDataset,
  trainAndRegister,
} from '../train/index.js';
import { sentio } from '../train/test-support/cli.js';
import { PredictionLogger } from './logger.js';
import { openMonitorStore } from './open.js';
import { monitorBackends } from './test-support/backends.js';
import { engine, tempDir } from './test-support/fixtures.js';

for (const backend of monitorBackends())
  describe(`sentio logs | feedback | monitor (${backend.name})`, () => {
    let store = '';
    const cleanups: Array<() => void | Promise<void>> = [];
    const t = { after: (fn: () => void | Promise<void>) => cleanups.push(fn) };
    const texts = sampleDataset().map((r) => r.text);
    const truth = sampleDataset().map((r) => r.label);

    before(async () => {
      store =
        backend.name === 'sqlite' ? path.join(tempDir(t), 'store') : await backend.location(t);
      const e = await engine();
      const options = resolveTrainOptions({ data: 'builtin:sample', model: 'fb' }, {}, () => []);
      await trainAndRegister({
        options,
        store,
        engine: e,
        inline: { train: inlineDataset('builtin:sample', sampleDataset()) },
      });
      const reg = await openRegistry(store);
      const { model, version } = await loadVersionModel(reg, 'fb@1', e);
      const profile = JSON.parse(
        new TextDecoder().decode(await reg.artifacts.get(version.artifacts.profile as string)),
      );
      await reg.close();
      const logger = new PredictionLogger(await openMonitorStore(store), {
        textModes: { fb: 'text' },
      });
      logger.attach('fb', 1, model, profile.reference);
      const batch = model.predictBatch(texts);
      for (const [i, text] of texts.entries()) {
        logger.log({
          id: `id-${i}`,
          model: 'fb',
          version: 1,
          env: 'production',
          arm: i % 10 === 0 ? 'canary' : 'stable',
          label: batch.labelNames[i] as string,
          classes: model.classes,
          probabilities: batch.probabilities.subarray(i * batch.nClasses, (i + 1) * batch.nClasses),
          latencyMs: 0.25,
          text,
        });
      }
      await logger.close();
    });

    test('logs query --json and the human table', async () => {
      const r = await sentio([
        'logs',
        'query',
        '--model',
        'fb',
        '--limit',
        '5',
        '--json',
        '--store',
        store,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const rows = JSON.parse(r.stdout);
      assert.equal(rows.length, 5);
      assert.equal(rows[4].id, `id-${texts.length - 1}`);
      assert.equal(rows[4].text, texts[texts.length - 1]);
      const h = await sentio([
        'logs',
        'query',
        '--model',
        'fb',
        '--arm',
        'canary',
        '--store',
        store,
      ]);
      assert.equal(h.code, 0, h.stderr);
      assert.match(h.stdout, /canary/);
      assert.doesNotMatch(h.stdout, /stable/);
      const bad = await sentio([
        'logs',
        'query',
        '--model',
        'fb',
        '--since',
        'soon',
        '--store',
        store,
      ]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /MONITOR_BAD_OPTION: --since "soon"/);
    });

    test('logs export: CSV to a file, JSONL to stdout', async (tt) => {
      const out = path.join(tempDir(tt), 'log.csv');
      const r = await sentio([
        'logs',
        'export',
        '--model',
        'fb',
        '--since',
        '1h',
        '--out',
        out,
        '--store',
        store,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.match(
        lines[0] as string,
        /^id,at,model,version,env,arm,label,confidence,probabilities,/,
      );
      assert.ok(
        lines.length > texts.length,
        'header + one line per prediction (texts may span lines)',
      );
      const j = await sentio([
        'logs',
        'export',
        '--model',
        'fb',
        '--format',
        'jsonl',
        '--store',
        store,
      ]);
      assert.equal(j.stdout.trimEnd().split('\n').length, texts.length);
    });

    test('feedback import, then monitor report --json and --html', async (tt) => {
      const dir = tempDir(tt);
      const file = path.join(dir, 'labels.jsonl');
      fs.writeFileSync(
        file,
        `${texts.map((_, i) => JSON.stringify({ prediction_id: `id-${i}`, label: truth[i] })).join('\n')}\n{"prediction_id":"ghost","label":"positive"}\n`,
      );
      const r = await sentio(['feedback', 'import', file, '--json', '--store', store]);
      assert.equal(r.code, 0, r.stderr);
      const imp = JSON.parse(r.stdout);
      assert.equal(imp.recorded, texts.length);
      assert.deepEqual(imp.unknown, [{ id: 'ghost', line: texts.length + 1 }]);

      const broken = path.join(dir, 'broken.csv');
      fs.writeFileSync(broken, 'prediction_id,label\nid-1,"positive\n');
      const b = await sentio(['feedback', 'import', broken, '--store', store]);
      assert.equal(b.code, 3);
      assert.match(b.stderr, /DATA_MALFORMED: .*broken\.csv:2/);

      const html = path.join(dir, 'report.html');
      const m = await sentio([
        'monitor',
        'report',
        'fb',
        '--window',
        '1h',
        '--json',
        '--html',
        html,
        '--store',
        store,
      ]);
      assert.equal(m.code, 0, m.stderr);
      const rep = JSON.parse(m.stdout);
      assert.equal(Object.keys(rep)[0], 'drift');
      assert.equal(typeof rep.drift, 'boolean');
      for (const s of Object.values(rep.signals) as Array<Record<string, unknown>>) {
        assert.ok('value' in s && 'threshold' in s && 'verdict' in s);
      }
      const all = rep.performance.arms.find((a: { arm: string }) => a.arm === 'all');
      assert.equal(all.labelled, texts.length);
      assert.ok(rep.performance.arms.some((a: { arm: string }) => a.arm === 'canary'));
      const page = fs.readFileSync(html, 'utf8');
      assert.match(page, /<svg/);
      assert.doesNotMatch(page, /<script|<link/);

      const human = await sentio([
        'monitor',
        'report',
        'fb',
        '--window',
        '100',
        '--threshold',
        'token_js=0.9',
        '--store',
        store,
      ]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /fb@1/);
      assert.match(human.stdout, /token_js/);
      const none = await sentio(['monitor', 'report', 'nobody', '--store', store]);
      assert.equal(none.code, 10);
      assert.match(none.stderr, /MONITOR_NO_DATA/);
    });

    test('logs prune by age and by size', async () => {
      const keep = await sentio(['logs', 'prune', '--max-age', '1d', '--json', '--store', store]);
      assert.equal(keep.code, 0, keep.stderr);
      assert.equal(JSON.parse(keep.stdout).deletedPredictions, 0);
      const size = await sentio(['logs', 'prune', '--max-size', '1', '--json', '--store', store]);
      const rep = JSON.parse(size.stdout);
      assert.equal(rep.deletedPredictions, texts.length);
      assert.ok(rep.bytesAfter < rep.bytesBefore);
      const usage = await sentio(['logs', 'prune', '--store', store]);
      assert.equal(usage.code, 2);
    });

    after(async () => {
      for (const fn of cleanups.reverse()) await fn();
    });
  });
