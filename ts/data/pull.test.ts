import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CATALOG, type DatasetSpec, defaultCacheDir, loadDataset, pullDataset } from './index.js';
import { tarGz, zip } from './test-support/archives.js';
import { hasSharedData, rejectsWith, shared, tempDir } from './test-support/fixtures.js';

// These tests choose their sources explicitly.
delete process.env.SENTIO_DATA_MIRROR;

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const spec = (name: string) => CATALOG.find((d) => d.name === name) as DatasetSpec;

/** Files left in a cache dir (temp files included), relative, sorted. */
function listing(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('pullDataset from a mirror', { skip: !hasSharedData }, () => {
  it('copies uci_sentiment, verified against the pinned sha256, then serves it from the cache', async () => {
    const cacheDir = tempDir();
    const first = await pullDataset('uci', { mirror: shared(), cacheDir });
    assert.equal(first.name, 'uci_sentiment');
    assert.equal(first.source, 'mirror');
    assert.equal(first.path, path.join(cacheDir, 'uci_sentiment'));
    assert.deepEqual(first.files, [path.join(cacheDir, 'uci_sentiment', 'all.csv')]);
    assert.deepEqual(first.sha256, {
      'all.csv': '265399a1ba1984af4dd298858718ab8ee220a1c8df1cea26ad35c1cabe7d10bc',
    });
    assert.equal(first.details[0]?.verified, 'pinned');
    assert.deepEqual(
      fs.readFileSync(first.files[0] as string),
      fs.readFileSync(shared('uci_sentiment', 'all.csv')),
    );
    assert.deepEqual(listing(first.path), ['all.csv', 'manifest.json']);

    const again = await pullDataset('uci_sentiment', { mirror: '/nonexistent', cacheDir });
    assert.equal(again.source, 'cache', 'a verified cache needs no mirror');
    assert.deepEqual(again.sha256, first.sha256);

    const forced = await pullDataset('uci_sentiment', { mirror: shared(), cacheDir, force: true });
    assert.equal(forced.source, 'mirror');

    // The pulled file is recognised as the same dataset as the mirror's.
    const a = await loadDataset(first.files[0] as string);
    const b = await loadDataset(shared('uci_sentiment', 'all.csv'));
    assert.equal(a.fingerprint.sha256, b.fingerprint.sha256);
  });

  it('pulls imdb (train + test) and reports progress', async () => {
    const cacheDir = tempDir();
    const seen = new Set<string>();
    const r = await pullDataset('imdb', {
      mirror: shared(),
      cacheDir,
      onProgress: (_d, _t, what) => seen.add(what),
    });
    assert.deepEqual(Object.keys(r.sha256), ['train.csv', 'test.csv']);
    assert.deepEqual([...seen], ['train.csv', 'test.csv']);
    assert.ok(r.details.every((d) => d.verified === 'pinned'));
  });

  it('re-verifies the cache: a damaged cached file is pulled again', async () => {
    const cacheDir = tempDir();
    const r = await pullDataset('uci_sentiment', { mirror: shared(), cacheDir });
    fs.appendFileSync(r.files[0] as string, 'tampered,positive\n');
    const again = await pullDataset('uci_sentiment', { mirror: shared(), cacheDir });
    assert.equal(again.source, 'mirror');
    assert.equal(
      sha(fs.readFileSync(r.files[0] as string)),
      '265399a1ba1984af4dd298858718ab8ee220a1c8df1cea26ad35c1cabe7d10bc',
    );
  });

  it('uses SENTIO_DATA_MIRROR when no mirror is given', async () => {
    process.env.SENTIO_DATA_MIRROR = shared();
    try {
      const r = await pullDataset('uci_sentiment', { cacheDir: tempDir() });
      assert.equal(r.source, 'mirror');
    } finally {
      delete process.env.SENTIO_DATA_MIRROR;
    }
  });

  it('refuses a mirror copy that differs from the pinned sha256, keeping nothing', async () => {
    const mirror = tempDir();
    fs.mkdirSync(path.join(mirror, 'uci_sentiment'));
    fs.writeFileSync(
      path.join(mirror, 'uci_sentiment', 'all.csv'),
      'text,label\nnot the real thing,positive\nnope,negative\n',
    );
    const cacheDir = tempDir();
    const e = await rejectsWith(
      () => pullDataset('uci_sentiment', { mirror, cacheDir }),
      'DATA_CHECKSUM',
      {
        expected: '265399a1ba1984af4dd298858718ab8ee220a1c8df1cea26ad35c1cabe7d10bc',
        against: 'pinned',
      },
    );
    assert.match(e.message, /does not match .* from Sentio's catalog/);
    assert.deepEqual(listing(path.join(cacheDir, 'uci_sentiment')), []);
  });
});

describe('pullDataset: errors and unpinned datasets', () => {
  it('names the known datasets for an unknown name', async () => {
    const e = await rejectsWith(
      () => pullDataset('nope', { cacheDir: tempDir() }),
      'DATA_UNKNOWN_DATASET',
    );
    assert.match(e.message, /known: imdb, sst2, uci_sentiment, airline_tweets, bbc_news/);
  });

  it('says how to get a dataset with no public address', async () => {
    const e = await rejectsWith(
      () => pullDataset('airline_tweets', { cacheDir: tempDir() }),
      'DATA_DOWNLOAD',
    );
    assert.match(e.message, /--mirror DIR or SENTIO_DATA_MIRROR/);
  });

  it('says what a mirror lacks', async () => {
    const e = await rejectsWith(
      () => pullDataset('sst2', { mirror: tempDir(), cacheDir: tempDir() }),
      'DATA_NOT_FOUND',
      {
        missing: ['train.csv', 'dev.csv'],
      },
    );
    assert.match(e.message, /has no sst2\/train.csv, sst2\/dev.csv/);
  });

  it('records the sha256 of an unpinned file on first pull and holds later pulls to it', async () => {
    const catalog: DatasetSpec[] = [
      { ...spec('sst2'), name: 'toy', aliases: [], files: [{ name: 'all.csv' }], official: null },
    ];
    const mirror = tempDir();
    fs.mkdirSync(path.join(mirror, 'toy'));
    const src = path.join(mirror, 'toy', 'all.csv');
    fs.writeFileSync(src, 'text,label\na,x\nb,y\n');
    const cacheDir = tempDir();
    const first = await pullDataset('toy', { mirror, cacheDir, catalog });
    assert.equal(first.details[0]?.verified, 'first-pull');
    const manifest = JSON.parse(fs.readFileSync(first.manifest, 'utf8'));
    assert.equal(manifest.files['all.csv'].sha256, sha('text,label\na,x\nb,y\n'));
    const second = await pullDataset('toy', { mirror, cacheDir, catalog, force: true });
    assert.equal(second.details[0]?.verified, 'recorded');
    fs.writeFileSync(src, 'text,label\na,x\nb,z\n');
    await rejectsWith(
      () => pullDataset('toy', { mirror, cacheDir, catalog, force: true }),
      'DATA_CHECKSUM',
      {
        against: 'recorded',
      },
    );
  });

  it('defaults the cache to SENTIO_CACHE, else XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(defaultCacheDir({ SENTIO_CACHE: '/c' }), path.join('/c', 'datasets'));
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }), path.join('/x', 'sentio', 'datasets'));
    assert.match(defaultCacheDir({}), /\.cache[/\\]sentio[/\\]datasets$/);
  });
});

describe('pullDataset from an official address (a local stand-in server)', () => {
  const served = new Map<string, Buffer>();
  let server: http.Server;
  let base = '';
  before(async () => {
    server = http.createServer((req, res) => {
      const body = served.get(req.url ?? '');
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  /** The catalog entry `name`, downloading from the stand-in server, pinned to `archive`'s hash. */
  function serve(name: string, archive: Buffer, pin: string | null = sha(archive)): DatasetSpec[] {
    const s = spec(name);
    const official = s.official as NonNullable<DatasetSpec['official']>;
    served.set(`/${name}/${official.archive}`, archive);
    const { sha256: _published, ...rest } = official;
    return [
      {
        ...s,
        official: {
          ...rest,
          url: `${base}/${name}/${official.archive}`,
          ...(pin ? { sha256: pin } : {}),
        },
      },
    ];
  }

  it('imdb: downloads the tar.gz, verifies it, converts it like the reference CSVs', async () => {
    const archive = tarGz({
      'aclImdb/README': 'readme',
      'aclImdb/train/pos/1_8.txt': 'Second, "quoted" review',
      'aclImdb/train/neg/1_2.txt': 'bad\u0085really bad',
      'aclImdb/train/pos/0_9.txt': 'first positive',
      'aclImdb/train/neg/0_1.txt': 'first negative',
      'aclImdb/train/unsup/0_0.txt': 'no label, not used',
      'aclImdb/test/pos/10_7.txt': 'ten',
      'aclImdb/test/neg/2_3.txt': 'two<br />lines',
    });
    const trainCsv =
      'text,label\nfirst negative,negative\nfirst positive,positive\nbad really bad,negative\n"Second, ""quoted"" review",positive\n';
    const catalog = serve('imdb', archive);
    (catalog[0] as DatasetSpec).files = [
      { name: 'train.csv', sha256: sha(trainCsv) },
      { name: 'test.csv' },
    ];
    const cacheDir = tempDir();
    const r = await pullDataset('imdb', { cacheDir, catalog });
    assert.equal(r.source, 'official');
    assert.equal(r.archive?.verified, 'pinned');
    assert.equal(r.archive?.sha256, sha(archive));
    assert.equal(fs.readFileSync(path.join(r.path, 'train.csv'), 'utf8'), trainCsv);
    assert.equal(
      fs.readFileSync(path.join(r.path, 'test.csv'), 'utf8'),
      'text,label\ntwo<br />lines,negative\nten,positive\n',
    );
    assert.equal(r.details[0]?.matchesReference, true);
    assert.equal(r.details[1]?.matchesReference, null);
    const ds = await loadDataset(path.join(r.path, 'train.csv'));
    assert.equal(ds.texts.length, 4);

    // A second pull is served from the cache; a forced one reuses the verified archive.
    assert.equal((await pullDataset('imdb', { cacheDir, catalog })).source, 'cache');
    served.clear();
    const forced = await pullDataset('imdb', { cacheDir, catalog, force: true });
    assert.equal(forced.source, 'official');
  });

  it('refuses a download whose sha256 differs, keeping nothing', async () => {
    const catalog = serve('imdb', tarGz({ 'aclImdb/train/pos/0_9.txt': 'x' }), 'f'.repeat(64));
    const cacheDir = tempDir();
    await rejectsWith(() => pullDataset('imdb', { cacheDir, catalog }), 'DATA_CHECKSUM', {
      against: 'pinned',
    });
    assert.deepEqual(
      listing(path.join(cacheDir, 'imdb')).filter((f) => !f.endsWith('source')),
      [],
    );
  });

  it('reports HTTP errors', async () => {
    const catalog = serve('imdb', Buffer.from('x'));
    served.clear();
    const e = await rejectsWith(
      () => pullDataset('imdb', { cacheDir: tempDir(), catalog }),
      'DATA_DOWNLOAD',
      { status: 404 },
    );
    assert.match(e.message, /HTTP 404/);
  });

  it('sst2: GLUE zip → train.csv and dev.csv', async () => {
    const catalog = serve(
      'sst2',
      zip({
        'SST-2/train.tsv': 'sentence\tlabel\nhide new secretions \t0\ngreat fun , "really" \t1\n',
        'SST-2/dev.tsv': "sentence\tlabel\nit 's a charming journey . \t1\n",
        'SST-2/test.tsv': 'index\tsentence\n0\tno labels here\n',
      }),
    );
    const r = await pullDataset('sst2', { cacheDir: tempDir(), catalog });
    assert.equal(
      fs.readFileSync(path.join(r.path, 'train.csv'), 'utf8'),
      'text,label\nhide new secretions ,negative\n"great fun , ""really"" ",positive\n',
    );
    assert.equal(
      fs.readFileSync(path.join(r.path, 'dev.csv'), 'utf8'),
      "text,label\nit 's a charming journey . ,positive\n",
    );
  });

  it('uci_sentiment: three tab-separated files → all.csv in amazon, imdb, yelp order', async () => {
    const dir = 'sentiment labelled sentences/';
    const catalog = serve(
      'uci_sentiment',
      zip({
        [`${dir}yelp_labelled.txt`]: 'Wow... Loved this place.\t1\n',
        [`${dir}amazon_cells_labelled.txt`]:
          'So there is no way.\t0\r\nGood case, Excellent value.\t1\r\n',
        [`${dir}imdb_labelled.txt`]: 'A very, very slow-moving movie.  \t0\n',
        '__MACOSX/._x': 'ignored',
      }),
    );
    const r = await pullDataset('uci_sentiment', { cacheDir: tempDir(), catalog });
    assert.equal(
      fs.readFileSync(path.join(r.path, 'all.csv'), 'utf8'),
      'text,label\nSo there is no way.,negative\n"Good case, Excellent value.",positive\n"A very, very slow-moving movie.  ",negative\nWow... Loved this place.,positive\n',
    );
    assert.equal(
      r.details[0]?.matchesReference,
      false,
      'differs from the real reference file, and says so',
    );
  });

  it('bbc_news: unpinned archive is recorded on first download; cp1252 text decoded', async () => {
    const catalog = serve(
      'bbc_news',
      zip({
        'bbc/tech/001.txt': 'Headline\n\nBody text.\n',
        'bbc/business/001.txt': 'Money\n',
        'bbc/sport/002.txt': Buffer.from([0x43, 0x6f, 0x73, 0x74, 0x20, 0xa3, 0x35]),
        'bbc/README.TXT': 'ignored',
      }),
      null,
    );
    const cacheDir = tempDir();
    const r = await pullDataset('bbc_news', { cacheDir, catalog });
    assert.equal(r.archive?.verified, 'first-pull');
    assert.equal(
      fs.readFileSync(path.join(r.path, 'all.csv'), 'utf8'),
      'text,label\nMoney ,business\nHeadline  Body text. ,tech\nCost £5,sport\n',
    );
    const again = await pullDataset('bbc_news', { cacheDir, catalog, force: true });
    assert.equal(again.archive?.verified, 'recorded');
  });
});
