import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectDataset, NO_LABEL, tokenize } from './index.js';
import { hasSharedData, rejectsWith, shared, tempFile } from './test-support/fixtures.js';

describe('inspectDataset', () => {
  it('tokenizes like a lowercase \\w\\w+ pattern, Unicode included', () => {
    assert.deepEqual(tokenize("It's a GREAT film, 10/10!"), ['it', 'great', 'film', '10', '10']);
    assert.deepEqual(tokenize('Très BIEN, déjà vu'), ['très', 'bien', 'déjà', 'vu']);
  });

  it('reports balance, lengths, duplicates, empties and tokens', async () => {
    const csv = [
      'text,label',
      'good movie,pos',
      'good movie,pos',
      'good movie,neg',
      'bad plot and awful acting,neg',
      ',neg',
      'terrible,',
      `${'long '.repeat(30)}text,pos`,
    ].join('\n');
    const r = await inspectDataset(tempFile('i.csv', csv), { top: 3 });
    assert.equal(r.rows, 6);
    assert.deepEqual(r.stats.skippedReasons, { 'empty text': 1 });
    assert.deepEqual(r.empty, { text: 1, label: 0 });
    assert.deepEqual(r.labels, [
      { label: 'pos', count: 3, share: 0.5 },
      { label: 'neg', count: 2, share: 2 / 6 },
    ]);
    assert.equal(r.imbalance, 1.5);
    // labels are optional in inspect: the unlabelled row is kept, under NO_LABEL.
    assert.deepEqual(Object.keys(r.topTokens).sort(), [NO_LABEL, 'neg', 'pos'].sort());
    assert.deepEqual(r.duplicates, { rows: 2, distinctTexts: 4, conflictingLabels: 1 });
    assert.equal(r.length.min, 8);
    assert.equal(r.length.max, 154);
    assert.deepEqual(
      r.length.histogram.map((b) => [b.from, b.to, b.count]),
      [
        [0, 10, 1],
        [10, 20, 3],
        [20, 50, 1],
        [50, 100, 0],
        [100, 200, 1],
      ],
    );
    assert.deepEqual(r.topTokens.pos?.[0], { token: 'good', count: 2 });
    assert.ok(r.topTokens.neg?.some((t) => t.token === 'awful'));
    assert.ok(
      r.topTokens.pos?.every((t) => t.token !== 'and'),
      'stopwords are left out of frequent tokens',
    );
  });

  it('inspects uci_sentiment', { skip: !hasSharedData }, async () => {
    const r = await inspectDataset(shared('uci_sentiment', 'all.csv'));
    assert.equal(r.rows, 3000);
    assert.equal(r.sha256, '265399a1ba1984af4dd298858718ab8ee220a1c8df1cea26ad35c1cabe7d10bc');
    assert.deepEqual(r.labels, [
      { label: 'negative', count: 1500, share: 0.5 },
      { label: 'positive', count: 1500, share: 0.5 },
    ]);
    assert.equal(r.imbalance, 1);
    assert.equal(r.duplicates.rows, 17);
    assert.equal(r.duplicates.distinctTexts, 2983);
    assert.deepEqual(r.empty, { text: 0, label: 0 });
    assert.equal(
      r.length.histogram.reduce((a, b) => a + b.count, 0),
      3000,
    );
    assert.equal(r.length.min, 7);
    assert.equal(r.length.max, 479);
    assert.equal(r.topTokens.positive?.length, 10);
    const neg = r.distinctiveTokens.negative?.map((t) => t.token) ?? [];
    const pos = r.distinctiveTokens.positive?.map((t) => t.token) ?? [];
    assert.ok(neg.includes('bad') && neg.includes('worst'), neg.join(' '));
    assert.ok(pos.includes('great') && pos.includes('excellent'), pos.join(' '));
  });

  it('inspects an unlabelled text file', async () => {
    const r = await inspectDataset(tempFile('u.txt', 'one line\nanother line\n'));
    assert.equal(r.rows, 2);
    assert.deepEqual(r.labels, []);
    assert.equal(r.imbalance, null);
    assert.deepEqual(r.columns, { text: 'line', label: null });
    assert.deepEqual(r.distinctiveTokens, {});
  });

  it('fails on a file with no rows', async () => {
    await rejectsWith(() => inspectDataset(tempFile('h.csv', 'text,label\n')), 'DATA_EMPTY');
  });
});
