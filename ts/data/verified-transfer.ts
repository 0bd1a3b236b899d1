/**
 * Moving bytes into the cache with a checksum gate: a mirror file copied, or
 * an official archive downloaded, to a temp file hashed on the way, and
 * given its real name only if the hash is the expected one.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { SentioError } from '../errors/index.js';
import { AtomicFile } from './atomic-file.js';

/**
 * How a file was verified: `pinned` (matched Sentio's catalog), `recorded`
 * (matched the hash recorded on the first pull into this cache),
 * `first-pull` (nothing to compare with yet; recorded now).
 */
export type Verification = 'pinned' | 'recorded' | 'first-pull';

export interface Expectation {
  sha256?: string;
  how: Verification;
}

export type ProgressFn = (done: number, total: number, what: string) => void;

export function pullError(
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): SentioError {
  return new SentioError(code, message, details, cause === undefined ? undefined : { cause });
}

/** The hash a file must have: the catalog's, else the one recorded earlier, else none yet. */
export function expectation(pinned: string | undefined, recorded: string | undefined): Expectation {
  if (pinned) return { sha256: pinned, how: 'pinned' };
  if (recorded) return { sha256: recorded, how: 'recorded' };
  return { how: 'first-pull' };
}

function checksumError(
  what: string,
  expected: string,
  actual: string,
  how: Verification,
  hint: string,
): SentioError {
  const against =
    how === 'pinned'
      ? "Sentio's catalog"
      : 'the hash recorded on the first pull into this cache (delete the cached dataset to accept a new version)';
  return pullError(
    'DATA_CHECKSUM',
    `${what}: sha256 ${actual} does not match ${expected} from ${against}; ${hint}`,
    { file: what, expected, actual, against: how },
  );
}

/** Copy `src` to `dest` atomically, hashing on the way; verified before it gets its real name. */
export async function copyVerified(
  src: string,
  dest: string,
  expect: Expectation,
  onProgress?: ProgressFn,
): Promise<{ sha256: string; bytes: number }> {
  const total = (await fs.promises.stat(src)).size;
  const out = await AtomicFile.create(dest);
  try {
    for await (const chunk of fs.createReadStream(src, { highWaterMark: 1 << 20 })) {
      await out.write(chunk as Buffer);
      onProgress?.(out.bytes, total, path.basename(src));
    }
    const sha256 = await out.close();
    if (expect.sha256 !== undefined && sha256 !== expect.sha256) {
      throw checksumError(
        src,
        expect.sha256,
        sha256,
        expect.how,
        'the mirror copy differs from the known file (corrupt or a different version)',
      );
    }
    await out.commit();
    return { sha256, bytes: out.bytes };
  } catch (e) {
    await out.discard();
    throw e;
  }
}

export async function download(
  url: string,
  dest: string,
  expect: Expectation,
  onProgress?: ProgressFn,
) {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw pullError(
      'DATA_DOWNLOAD',
      `cannot download ${url}: ${cause} (offline? use a mirror: --mirror DIR or SENTIO_DATA_MIRROR)`,
      { url },
      e,
    );
  }
  if (!res.ok || res.body === null) {
    throw pullError(
      'DATA_DOWNLOAD',
      `cannot download ${url}: HTTP ${res.status} ${res.statusText}`,
      {
        url,
        status: res.status,
      },
    );
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const out = await AtomicFile.create(dest);
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await out.write(chunk);
      onProgress?.(out.bytes, total, path.basename(dest));
    }
    const sha256 = await out.close();
    if (expect.sha256 !== undefined && sha256 !== expect.sha256) {
      throw checksumError(
        url,
        expect.sha256,
        sha256,
        expect.how,
        'the download is corrupt or the file changed upstream; nothing was kept',
      );
    }
    await out.commit();
    return { sha256, bytes: out.bytes };
  } catch (e) {
    await out.discard();
    if (e instanceof SentioError) throw e;
    throw pullError(
      'DATA_DOWNLOAD',
      `download of ${url} failed: ${(e as Error).message}`,
      { url },
      e,
    );
  }
}
