// Where the shared datasets live, and cached loading.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../index.js';
import { type LabelledData, readLabelledCsv } from './csv.js';

/** SENTIO_DATA_DIR, else ../shared/data next to the repository. */
export function dataDir(): string {
  const dir = process.env.SENTIO_DATA_DIR ?? path.resolve(packageRoot(), '..', 'shared', 'data');
  if (!fs.existsSync(dir)) {
    throw new Error(
      `datasets not found at ${dir} (set SENTIO_DATA_DIR to the shared/data directory)`,
    );
  }
  return dir;
}

export function dataFile(...parts: string[]): string {
  const file = path.join(dataDir(), ...parts);
  if (!fs.existsSync(file)) throw new Error(`dataset file missing: ${file}`);
  return file;
}

const cache = new Map<string, LabelledData>();

export function dataset(...parts: string[]): LabelledData {
  const file = dataFile(...parts);
  let d = cache.get(file);
  if (d === undefined) {
    d = readLabelledCsv(file);
    cache.set(file, d);
  }
  return d;
}

export const uci = () => dataset('uci_sentiment', 'all.csv');
export const airline = () => dataset('airline_tweets', 'all.csv');
