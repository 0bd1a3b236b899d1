// Peer: npm `wink-naive-bayes-text-classifier` with the text preparation its
// README recommends and ships (src/prep-text.js: winkNLP tokens, words only,
// stop words removed, stems, negation marked), default config (multinomial,
// additive smoothing 1).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const winkNaiveBayes = require('wink-naive-bayes-text-classifier');
const prepText = require('wink-naive-bayes-text-classifier/src/prep-text.js');

export const name = 'wink-naive-bayes-text-classifier';
export const version = require('wink-naive-bayes-text-classifier/package.json').version;
export const setup =
  'definePrepTasks([src/prep-text.js]) (winkNLP + wink-eng-lite-web-model), defineConfig({ considerOnlyPresence: false, smoothingFactor: 1 }); learn(text, label) per review, then consolidate(); predict(text)';

export async function train(texts, labels) {
  const classifier = winkNaiveBayes();
  classifier.definePrepTasks([prepText]);
  classifier.defineConfig({ considerOnlyPresence: false, smoothingFactor: 1 });
  for (let i = 0; i < texts.length; i++) classifier.learn(texts[i], labels[i]);
  classifier.consolidate();
  return classifier;
}

export async function predict(classifier, text) {
  return classifier.predict(text);
}
