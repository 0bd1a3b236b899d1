// What the browser benchmark measures, and its two profiles (full: the
// committed results; --quick: a smoke run).
import { MODEL_CONFIG, REPO_ROOT, TEST_CSV, TRAIN_CSV } from '../engine/config.mjs';

export { MODEL_CONFIG, REPO_ROOT, TEST_CSV, TRAIN_CSV };

/** Debian's Chromium and the flags the web app's browser tests use (ts/serve/test-support/browser.ts). */
export const CHROMIUM = process.env.SENTIO_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
]);

/**
 * rounds: the environments take turns, each round measuring every one of
 * them (in a rotated order) on the same texts, so a busy spell on the shared
 * machine hits all of them. singlePerRound: predict calls per environment per
 * round, on test reviews round*singlePerRound.. (distinct across rounds), each
 * call timed, then the same calls again timed in blocks of blockSize.
 * batchTexts: the first N test reviews for predictBatch, one batch per round.
 */
export const PROFILES = Object.freeze({
  full: {
    name: 'full',
    rounds: 20,
    singlePerRound: 100,
    blockSize: 10,
    batchTexts: 5000,
    warmupCalls: 1000,
    warmupBatches: 2,
    checkSample: 200,
  },
  quick: {
    name: 'quick',
    rounds: 3,
    singlePerRound: 200,
    blockSize: 10,
    batchTexts: 2000,
    warmupCalls: 300,
    warmupBatches: 2,
    checkSample: 100,
  },
});

/** Largest difference allowed between a browser probability and Node's. */
export const PROBABILITY_TOLERANCE = 1e-12;
