import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadDataset } from './index.js';
import { hasSharedData, rejectsWith, shared, tempFile } from './test-support/fixtures.js';

const CSV = 'text,label\nshort,pos\na bit longer,neg\nthe longest text here,pos\n,neg\n';

describe('loadDataset', () => {
  it('loads texts, labels and lines with a fingerprint', async () => {
    const file = tempFile('fp.csv', CSV);
    const ds = await loadDataset(file);
    assert.deepEqual(ds.texts, ['short', 'a bit longer', 'the longest text here']);
    assert.deepEqual(ds.labels, ['pos', 'neg', 'pos']);
    assert.deepEqual(ds.lines, [2, 3, 4]);
    assert.deepEqual(ds.stats.skippedReasons, { 'empty text': 1 });
    const fp = ds.fingerprint;
    assert.equal(fp.sha256, createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    assert.equal(fp.rows, 3);
    assert.deepEqual(fp.labels, { pos: 2, neg: 1 });
    assert.deepEqual(fp.textLength, {
      min: 5,
      max: 21,
      mean: (5 + 12 + 21) / 3,
      p50: 12,
      p90: 12 + 0.8 * 9,
    });
    assert.equal(fp.path, path.resolve(file));
    assert.equal(fp.format, 'csv');
    assert.equal(fp.bytes, fs.statSync(file).size);
    assert.equal(fp.gzip, false);
  });

  it('fingerprints are stable, and the same bytes are recognised under another name', async () => {
    const a = await loadDataset(tempFile('one.csv', CSV));
    const b = await loadDataset(tempFile('one.csv', CSV));
    const c = await loadDataset(tempFile('copy-elsewhere.csv', CSV));
    assert.deepEqual({ ...a.fingerprint, path: '' }, { ...b.fingerprint, path: '' });
    assert.equal(c.fingerprint.sha256, a.fingerprint.sha256);
    const changed = await loadDataset(tempFile('one.csv', CSV.replace('short', 'Short')));
    assert.notEqual(changed.fingerprint.sha256, a.fingerprint.sha256);
  });

  it('fingerprints a gzip file by its compressed bytes, with the same rows and labels', async () => {
    const gzFile = tempFile('z.csv.gz', CSV);
    const gz = await loadDataset(gzFile);
    const plain = await loadDataset(tempFile('z.csv', CSV));
    assert.equal(
      gz.fingerprint.sha256,
      createHash('sha256').update(fs.readFileSync(gzFile)).digest('hex'),
    );
    assert.equal(gz.fingerprint.gzip, true);
    assert.deepEqual(gz.fingerprint.labels, plain.fingerprint.labels);
    assert.deepEqual(gz.texts, plain.texts);
  });

  it('fails on an empty file, a header-only file, and a file whose rows are all skipped', async () => {
    await rejectsWith(() => loadDataset(tempFile('e.csv', '')), 'DATA_EMPTY');
    await rejectsWith(() => loadDataset(tempFile('e.jsonl', '')), 'DATA_EMPTY');
    const h = await rejectsWith(() => loadDataset(tempFile('h.csv', 'text,label\n')), 'DATA_EMPTY');
    assert.match(h.message, /no data rows/);
    const s = await rejectsWith(
      () => loadDataset(tempFile('s.csv', 'text,label\n,a\nb,\n')),
      'DATA_EMPTY',
    );
    assert.match(s.message, /all 2 rows were skipped \(1 empty text, 1 empty label\)/);
  });

  it('fails on a single class (unless minClasses allows it)', async () => {
    const file = tempFile('one-class.csv', 'text,label\na,pos\nb,POS\nc, pos\n');
    const e = await rejectsWith(() => loadDataset(file), 'DATA_ONE_CLASS', { labels: { pos: 3 } });
    assert.match(e.message, /found 1 class \("pos"\) in 3 rows; a classifier needs at least 2/);
    const ds = await loadDataset(file, { minClasses: 1 });
    assert.equal(ds.texts.length, 3);
  });

  it('requires labels even when asked for optional ones', async () => {
    await rejectsWith(
      () => loadDataset(tempFile('nl.csv', 'text\na\n'), { labels: 'optional' }),
      'DATA_MISSING_COLUMN',
    );
  });

  it('loads every shared dataset with the documented rows, labels and sha256', {
    skip: !hasSharedData,
  }, async () => {
    const expected: Record<string, [number, Record<string, number>, string]> = {
      'uci_sentiment/all.csv': [3000, { negative: 1500, positive: 1500 }, '265399a1'],
      'airline_tweets/all.csv': [
        14640,
        { negative: 9178, neutral: 3099, positive: 2363 },
        'ca21bd5c',
      ],
      'bbc_news/all.csv': [
        2225,
        { sport: 511, business: 510, politics: 417, tech: 401, entertainment: 386 },
        '44f46fcb',
      ],
    };
    for (const [f, [rows, labels, sha]] of Object.entries(expected)) {
      const ds = await loadDataset(shared(...f.split('/')));
      assert.equal(ds.texts.length, rows, f);
      assert.deepEqual(ds.fingerprint.labels, labels, f);
      assert.ok(ds.fingerprint.sha256.startsWith(sha), f);
      assert.equal(ds.stats.skipped, 0, f);
    }
  });

  it('loads imdb train.csv (33 MB) quickly', {
    skip: !fs.existsSync(shared('imdb', 'train.csv')),
  }, async () => {
    const file = shared('imdb', 'train.csv');
    const t0 = performance.now();
    const ds = await loadDataset(file);
    const ms = performance.now() - t0;
    const mb = fs.statSync(file).size / 1e6;
    console.log(
      `# imdb train.csv: ${ds.texts.length} rows, ${mb.toFixed(1)} MB in ${ms.toFixed(0)} ms (${(mb / (ms / 1000)).toFixed(0)} MB/s)`,
    );
    assert.equal(ds.texts.length, 25000);
    assert.equal(
      ds.fingerprint.sha256,
      'bf23afb97a051b5d2d83b1339371f0145555b7a9da4c1a68462b6ff8b45ffd82',
    );
    assert.deepEqual(ds.fingerprint.labels, { negative: 12500, positive: 12500 });
    // Measured ~0.3 s; the bound leaves room for slow CI machines.
    assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  });
});
