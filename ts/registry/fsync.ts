/**
 * Durable file writes: data fsync'd before the rename that publishes it, and
 * the directory fsync'd after, so a crash leaves either no file or the whole
 * file under its final name — never a prefix of it.
 * @module
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** fsync a directory so a rename into it survives a crash (best effort where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Windows cannot open directories; some filesystems refuse fsync on them.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    await fh?.close();
  }
}

/** A fresh temp file name in `dir` (prefix marks it as ours for cleanup). */
export function tempName(dir: string, prefix = '.tmp-'): string {
  return path.join(dir, `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Write all of `bytes` to an open handle (short writes retried). */
export async function writeAll(fh: fs.promises.FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}

/** Write all of `bytes` to an open handle, then fsync it. */
export async function writeAllAndSync(
  fh: fs.promises.FileHandle,
  bytes: Uint8Array,
): Promise<void> {
  await writeAll(fh, bytes);
  await fh.sync();
}

/**
 * Atomically replace `target` with `bytes`: temp file in the same directory,
 * fsync, rename, fsync the directory.
 */
export async function writeFileAtomic(target: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true });
  const tmp = tempName(dir);
  const fh = await fs.promises.open(tmp, 'wx');
  try {
    await writeAllAndSync(fh, bytes);
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}
