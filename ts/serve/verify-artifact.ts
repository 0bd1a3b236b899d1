/**
 * Check a model artifact against its registered sha256 without stalling the
 * event loop: the file is read on the thread pool and hashed in 1 MiB chunks,
 * one chunk (~1 ms of hashing) per turn of the event loop. Hashing a 10 MB
 * bigram model in one call would freeze serving for 10-20 ms at every hot
 * swap. Same codes as the artifact store: ARTIFACT_MISSING, ARTIFACT_CORRUPT.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { SentioError } from '../errors/index.js';

const CHUNK = 1 << 20;

export async function verifyArtifactFile(file: string, sha256: string): Promise<void> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK })) {
      hash.update(chunk as Buffer);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SentioError('ARTIFACT_MISSING', `artifact ${sha256} is not in the store`, {
        sha256,
      });
    }
    throw e;
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) {
    throw new SentioError(
      'ARTIFACT_CORRUPT',
      `artifact ${sha256} is corrupt: its content hashes to ${actual} (${file})`,
      { sha256, actual, path: file },
    );
  }
}
