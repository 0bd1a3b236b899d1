// Peer: npm `natural`, BayesClassifier with its defaults (PorterStemmer
// tokenizeAndStem: lowercase, stop words removed, Porter stems; binary
// presence features over the whole vocabulary).
import { createRequire } from 'node:module';

process.env.DOTENV_CONFIG_QUIET ??= 'true'; // natural loads dotenv, which logs on load
const require = createRequire(import.meta.url);
const natural = require('natural');

export const name = 'natural';
export const version = require('natural/package.json').version;
export const setup =
  'new natural.BayesClassifier() (default PorterStemmer); addDocument(text, label) per review, then train(); classify(text) to predict';

export async function train(texts, labels) {
  const classifier = new natural.BayesClassifier();
  for (let i = 0; i < texts.length; i++) classifier.addDocument(texts[i], labels[i]);
  classifier.train();
  return classifier;
}

export async function predict(classifier, text) {
  return classifier.classify(text);
}
