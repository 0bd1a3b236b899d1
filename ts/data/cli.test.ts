// `sentio data ...` end to end: the compiled CLI as a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hasSharedData, REPO, shared, tempDir, tempFile } from './test-support/fixtures.js';

const CLI = path.join(REPO, 'dist', 'cli', 'main.js');

function sentio(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', SENTIO_DATA_MIRROR: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sentio data (CLI)', () => {
  it('--help lists the subcommands; each has its own help', () => {
    const r = sentio(['data', '--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const sub of ['inspect', 'pull', 'list'])
      assert.match(r.stdout, new RegExp(`\\b${sub}\\b`));
    for (const sub of ['inspect', 'pull', 'list']) {
      const h = sentio(['data', sub, '--help']);
      assert.equal(h.code, 0, h.stderr);
      assert.match(h.stdout, /--json/);
    }
    assert.match(
      sentio(['data', 'inspect', '--help']).stdout,
      /--text-column <name>[\s\S]*--label-column <name>/,
    );
    assert.match(sentio(['data', 'pull', '--help']).stdout, /--mirror <dir>/);
  });

  it('inspect prints a human report', { skip: !hasSharedData }, () => {
    const r = sentio(['data', 'inspect', shared('uci_sentiment', 'all.csv')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rows: 3,000 read, 3,000 kept, 0 skipped/);
    assert.match(r.stdout, /negative\s+1,500\s+50\.0%/);
    assert.match(r.stdout, /text length \(characters\): min 7/);
    assert.match(r.stdout, /duplicates: 17 rows repeat an earlier text/);
    assert.match(r.stdout, /top tokens per class/);
    assert.match(r.stdout, /distinctive: .*great/);
  });

  it('inspect --json has the report shape', { skip: !hasSharedData }, () => {
    const r = sentio(['data', 'inspect', shared('uci_sentiment', 'all.csv'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.rows, 3000);
    assert.equal(j.format, 'csv');
    assert.equal(j.sha256, '265399a1ba1984af4dd298858718ab8ee220a1c8df1cea26ad35c1cabe7d10bc');
    assert.deepEqual(
      j.labels.map((l: { label: string }) => l.label),
      ['negative', 'positive'],
    );
    for (const key of [
      'stats',
      'length',
      'tokens',
      'duplicates',
      'empty',
      'topTokens',
      'distinctiveTokens',
    ]) {
      assert.ok(key in j, key);
    }
    assert.ok(Array.isArray(j.length.histogram));
  });

  it('inspect with chosen columns on a gzip JSONL file', () => {
    const file = tempFile('cli.jsonl.gz', '{"body":"good","y":"A"}\n{"body":"bad","y":"B"}\n');
    const r = sentio([
      'data',
      'inspect',
      file,
      '--text-column',
      'body',
      '--label-column',
      'y',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.gzip, true);
    assert.deepEqual(j.columns, { text: 'body', label: 'y' });
    assert.deepEqual(j.labels.map((l: { label: string }) => l.label).sort(), ['a', 'b']);
  });

  it('malformed input: exit 3 and `error CODE: file:line: reason` on stderr, nothing on stdout', () => {
    const cases: [string, string, string, RegExp][] = [
      ['q.csv', 'text,label\nok,a\n"open,b\n', 'DATA_MALFORMED', /q\.csv:3: unclosed quote/],
      ['c.csv', 'text,label\nok,a\nx,y,z\n', 'DATA_MALFORMED', /c\.csv:3: expected 2 fields/],
      ['j.jsonl', '{"text":"a","label":"x"}\n{oops\n', 'DATA_MALFORMED', /j\.jsonl:2: bad JSON/],
      ['e.csv', '', 'DATA_EMPTY', /e\.csv: the file is empty/],
    ];
    for (const [name, content, code, msg] of cases) {
      const r = sentio(['data', 'inspect', tempFile(name, content), '--json']);
      assert.equal(r.code, 3, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`error ${code}: `));
      assert.match(r.stderr, msg);
      assert.equal(r.stdout, '');
    }
    const enc = sentio([
      'data',
      'inspect',
      tempFile(
        'l.csv',
        Buffer.from([...Buffer.from('text,label\nok,a\n'), 0xe9, 0x2c, 0x62, 0x0a]),
      ),
    ]);
    assert.equal(enc.code, 3);
    assert.match(enc.stderr, /error DATA_ENCODING: .*l\.csv:3: not valid UTF-8/);
    const col = sentio([
      'data',
      'inspect',
      tempFile('m.csv', 'a,b\nx,y\n'),
      '--text-column',
      'review',
    ]);
    assert.equal(col.code, 3);
    assert.match(
      col.stderr,
      /error DATA_MISSING_COLUMN: .*no text column "review" \(available columns: "a", "b"\)/,
    );
    const label = sentio([
      'data',
      'inspect',
      tempFile('n.csv', 'text,y\nx,a\n'),
      '--label-column',
      'label',
    ]);
    assert.equal(label.code, 3, 'an explicitly named label column must exist');
    assert.match(label.stderr, /error DATA_MISSING_COLUMN: .*no label column "label"/);
    const missing = sentio(['data', 'inspect', '/nonexistent/file.csv']);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /DATA_NOT_FOUND/);
  });

  it('usage errors exit 2', () => {
    assert.equal(sentio(['data', 'inspect']).code, 2);
    assert.equal(sentio(['data', 'inspect', 'x.csv', '--format', 'xml']).code, 2);
    assert.equal(sentio(['data', 'inspect', 'x.csv', '--bogus']).code, 2);
  });

  it('pull from a mirror, then from the cache (--json shape)', { skip: !hasSharedData }, () => {
    const cache = tempDir();
    const r = sentio([
      'data',
      'pull',
      'uci_sentiment',
      '--mirror',
      shared(),
      '--cache',
      cache,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.name, 'uci_sentiment');
    assert.equal(j.source, 'mirror');
    assert.equal(j.path, path.join(cache, 'uci_sentiment'));
    assert.deepEqual(j.files, [path.join(cache, 'uci_sentiment', 'all.csv')]);
    assert.deepEqual(j.sha256, {
      'all.csv': '265399a1ba1984af4dd298858718ab8ee220a1c8df1cea26ad35c1cabe7d10bc',
    });
    assert.equal(j.details[0].verified, 'pinned');
    const again = sentio(['data', 'pull', 'uci', '--cache', cache]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /uci_sentiment: 1 file in .* already cached/);
    assert.match(again.stdout, /all\.csv .* sha256 matches Sentio's catalog/);
    const env = sentio(['data', 'pull', 'imdb', '--json'], {
      SENTIO_DATA_MIRROR: shared(),
      SENTIO_CACHE: cache,
    });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(JSON.parse(env.stdout).path, path.join(cache, 'datasets', 'imdb'));
  });

  it('pull errors: unknown name, no address, offline', () => {
    const cache = tempDir();
    const unknown = sentio(['data', 'pull', 'nope', '--cache', cache]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /error DATA_UNKNOWN_DATASET: unknown dataset "nope"/);
    const airline = sentio(['data', 'pull', 'airline_tweets', '--cache', cache]);
    assert.equal(airline.code, 3);
    assert.match(airline.stderr, /error DATA_DOWNLOAD: .*--mirror DIR/);
  });

  it('list shows the known datasets', () => {
    const r = sentio(['data', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imdb .*aclImdb_v1\.tar\.gz/);
    const j = JSON.parse(sentio(['data', 'list', '--json']).stdout);
    assert.deepEqual(
      j.map((d: { name: string }) => d.name),
      ['imdb', 'sst2', 'uci_sentiment', 'airline_tweets', 'bbc_news'],
    );
    assert.equal(
      j[0].official.sha256,
      'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
    );
  });
});
