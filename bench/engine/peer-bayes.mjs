// Peer: npm `bayes` (multinomial NB, Laplace smoothing, its default
// tokenizer: non-word characters to spaces, split on whitespace; no lowercasing).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bayes = require('bayes');

export const name = 'bayes';
export const version = require('bayes/package.json').version;
export const setup =
  'bayes() with its default tokenizer; learn(text, label) per review (awaited), categorize(text) to predict';

export async function train(texts, labels) {
  const classifier = bayes();
  for (let i = 0; i < texts.length; i++) await classifier.learn(texts[i], labels[i]);
  return classifier;
}

export async function predict(classifier, text) {
  return classifier.categorize(text);
}
