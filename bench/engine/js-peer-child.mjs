// Fresh process for one pure-JS peer: read the CSVs, train on the first
// N_TRAIN reviews REPEATS times (a new classifier each time, timing only
// training), predict the first N_TEST test reviews one by one, report over IPC.
// With `alternate`, after each training it reports the round and waits for
// the parent's `{ cmd: 'next' }` (the parent measures its own side in the
// meantime: see runNodeChild's onRound), so both sides sample the same
// minutes of the machine.
// Usage: node js-peer-child.mjs PEER N_TRAIN N_TEST REPEATS [alternate]
import { readTextLabelCsv } from '../lib/csv.mjs';
import { vmHwmBytes } from '../lib/machine.mjs';
import { collectGarbage, secondsSince, summarize, timed } from '../lib/stats.mjs';
import { TEST_CSV, TRAIN_CSV } from './config.mjs';
import { accuracy, prefix } from './data.mjs';

const PEERS = { bayes: './peer-bayes.mjs', natural: './peer-natural.mjs', wink: './peer-wink.mjs' };
const [key, nTrainArg, nTestArg, repeatsArg, mode] = process.argv.slice(2);
const alternate = mode === 'alternate';
if (!(key in PEERS)) throw new Error(`unknown peer ${key}`);
const peer = await import(PEERS[key]);
const train = prefix(readTextLabelCsv(TRAIN_CSV), Number(nTrainArg));
const test = prefix(readTextLabelCsv(TEST_CSV), Number(nTestArg));
const repeats = Number(repeatsArg);

const seconds = [];
let classifier = null;
for (let r = 0; r < repeats; r++) {
  classifier = null;
  collectGarbage();
  const [c, s] = await timed(() => peer.train(train.texts, train.labels));
  classifier = c;
  seconds.push(s);
  console.log(`train ${r + 1}/${repeats} on ${train.texts.length} reviews: ${s.toFixed(2)} s`);
  if (alternate) await parentsTurn({ kind: 'round', round: r + 1, seconds: s });
}
const t0 = process.hrtime.bigint();
const predicted = new Array(test.texts.length);
for (let i = 0; i < test.texts.length; i++)
  predicted[i] = await peer.predict(classifier, test.texts[i]);
const predictSeconds = secondsSince(t0);
process.send(
  {
    peer: peer.name,
    version: peer.version,
    setup: peer.setup,
    n_train: train.texts.length,
    n_test: test.texts.length,
    train_seconds: summarize(seconds),
    predict_seconds_total: predictSeconds,
    predict_seconds_per_doc: predictSeconds / test.texts.length,
    accuracy: accuracy(predicted, test.labels),
    unpredicted: predicted.filter((p) => p === null || p === undefined).length,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    vmhwm_bytes: vmHwmBytes(),
  },
  () => process.exit(0),
);

/** Report a round to the parent and wait until it says to go on. */
function parentsTurn(message) {
  return new Promise((resolve) => {
    const go = (m) => {
      if (m?.cmd !== 'next') return;
      process.off('message', go);
      resolve();
    };
    process.on('message', go);
    process.send(message);
  });
}
