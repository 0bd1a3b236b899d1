/**
 * Writing cache files safely: bytes go to a temp file next to the target,
 * are hashed as they are written, fsync'd, and only then renamed into
 * place. A crash or a checksum failure leaves no half-written file under
 * the real name.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class AtomicFile {
  readonly tempPath: string;
  bytes = 0;
  private readonly hash = createHash('sha256');
  private fh: fs.promises.FileHandle | null = null;

  private constructor(readonly target: string) {
    this.tempPath = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
    );
  }

  static async create(target: string): Promise<AtomicFile> {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const f = new AtomicFile(target);
    f.fh = await fs.promises.open(f.tempPath, 'wx');
    return f;
  }

  async write(data: Uint8Array | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.hash.update(buf);
    this.bytes += buf.length;
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await (this.fh as fs.promises.FileHandle).write(
        buf,
        off,
        buf.length - off,
      );
      off += bytesWritten;
    }
  }

  /** Flush and close; returns the sha256 of everything written. Not yet renamed. */
  async close(): Promise<string> {
    const fh = this.fh as fs.promises.FileHandle;
    this.fh = null;
    await fh.sync();
    await fh.close();
    return this.hash.digest('hex');
  }

  /** Move the closed temp file to its real name and make the rename durable. */
  async commit(): Promise<void> {
    await fs.promises.rename(this.tempPath, this.target);
    await syncDir(path.dirname(this.target));
  }

  /** Throw the temp file away (safe to call in any state). */
  async discard(): Promise<void> {
    if (this.fh !== null) {
      await this.fh.close().catch(() => {});
      this.fh = null;
    }
    await fs.promises.rm(this.tempPath, { force: true });
  }
}

async function syncDir(dir: string): Promise<void> {
  // Directories cannot be opened for fsync on every platform (Windows); best effort.
  try {
    const fh = await fs.promises.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported here */
  }
}

/** sha256 hex and size of a file, streamed in 1 MiB chunks (model files can be large). */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
