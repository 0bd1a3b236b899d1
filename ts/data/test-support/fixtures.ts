// Shared helpers for ts/data's tests: temp files, the shared datasets, and
// assertions on SentioErrors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SentioError } from '../../errors/index.js';

/** The repository root (tests run from dist/data/…). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** SENTIO_DATA_DIR, else ../shared/data next to the repository. */
export const DATA_DIR = process.env.SENTIO_DATA_DIR ?? path.resolve(REPO, '..', 'shared', 'data');

export function shared(...parts: string[]): string {
  return path.join(DATA_DIR, ...parts);
}

export const hasSharedData = fs.existsSync(shared('uci_sentiment', 'all.csv'));

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed when the process exits. */
export function tempDir(prefix = 'sentio-data-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

const scratch = tempDir();
let counter = 0;

/** Write `content` to a temp file named like `name` (gzip'd when it ends in .gz). */
export function tempFile(name: string, content: string | Uint8Array): string {
  const file = path.join(scratch, `${counter++}-${name}`);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  fs.writeFileSync(file, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return file;
}

/** Assert that `fn` rejects with a SentioError of `code` whose details match `details`. */
export async function rejectsWith(
  fn: () => Promise<unknown>,
  code: string,
  details: Record<string, unknown> = {},
): Promise<SentioError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SentioError, `expected a SentioError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const [k, v] of Object.entries(details)) {
    assert.deepEqual(caught.details?.[k], v, `details.${k} of: ${caught.message}`);
  }
  return caught;
}
