/**
 * The filesystem artifact store: `artifacts/sha256/ab/<64 hex>`, one
 * read-only file per object, written once.
 *
 * Writes go to `artifacts/tmp/` (same filesystem, so rename is atomic), are
 * fsync'd, renamed to their content address and the directory fsync'd: a
 * crash leaves at most a temp file (cleaned by gc), never a partial object.
 * Reads re-hash the bytes, so silent disk corruption surfaces as
 * ARTIFACT_CORRUPT instead of a wrong model.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SentioError } from '../errors/index.js';
import { artifactCorrupt, artifactMissing } from './errors.js';
import { syncDir, tempName, writeAll, writeAllAndSync } from './fsync.js';
import { hashFile, sha256Hex } from './hash.js';
import { isSha256 } from './names.js';
import type { ArtifactInfo, ArtifactStore, TempFileInfo, VerifyReport } from './types.js';

const OBJECT_MODE = 0o444;

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

function checkHash(sha256: string): void {
  if (!isSha256(sha256)) {
    throw new SentioError(
      'ARTIFACT_INVALID',
      `invalid artifact hash "${String(sha256)}": expected 64 lowercase hex characters`,
      { sha256 },
    );
  }
}

export class FsArtifactStore implements ArtifactStore {
  /** `<store>/artifacts` */
  readonly root: string;
  private readonly objects: string;
  private readonly tmp: string;

  /** `readonly`: every write (put, remove) fails with REGISTRY_STORE_READONLY. */
  constructor(
    storeDir: string,
    private readonly readonly = false,
  ) {
    this.root = path.join(storeDir, 'artifacts');
    this.objects = path.join(this.root, 'sha256');
    this.tmp = path.join(this.root, 'tmp');
  }

  pathOf(sha256: string): string {
    checkHash(sha256);
    return path.join(this.objects, sha256.slice(0, 2), sha256);
  }

  private writable(): void {
    if (this.readonly) {
      throw new SentioError(
        'REGISTRY_STORE_READONLY',
        `the store ${path.dirname(this.root)} is open read-only`,
      );
    }
  }

  async put(bytes: Uint8Array, _meta?: { kind?: string }): Promise<string> {
    this.writable();
    const sha256 = sha256Hex(bytes);
    if (await this.keepExisting(sha256)) return sha256;
    const tmp = await this.openTemp();
    try {
      await writeAllAndSync(tmp.fh, bytes);
      await tmp.fh.close();
      await this.publish(tmp.path, sha256);
    } catch (e) {
      await this.discard(tmp);
      throw e;
    }
    return sha256;
  }

  async putFile(file: string): Promise<string> {
    this.writable();
    const tmp = await this.openTemp();
    try {
      const hash = createHash('sha256');
      for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
        hash.update(chunk as Buffer);
        await writeAll(tmp.fh, chunk as Buffer);
      }
      await tmp.fh.sync();
      await tmp.fh.close();
      const sha256 = hash.digest('hex');
      if (await this.keepExisting(sha256)) {
        await fs.promises.rm(tmp.path, { force: true });
      } else {
        await this.publish(tmp.path, sha256);
      }
      return sha256;
    } catch (e) {
      await this.discard(tmp);
      throw e;
    }
  }

  async get(sha256: string): Promise<Uint8Array> {
    const file = this.pathOf(sha256);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (e) {
      if (isNotFound(e)) throw artifactMissing(sha256);
      throw e;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw artifactCorrupt(sha256, actual, file);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  async stat(sha256: string): Promise<ArtifactInfo | null> {
    try {
      const st = await fs.promises.stat(this.pathOf(sha256));
      return st.isFile() ? { bytes: st.size, mtimeMs: st.mtimeMs } : null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const prefix of await readdirOrEmpty(this.objects)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const name of await readdirOrEmpty(path.join(this.objects, prefix))) {
        if (isSha256(name) && name.startsWith(prefix)) out.push(name);
      }
    }
    return out.sort();
  }

  async verifyAll(expected: Iterable<string> = []): Promise<VerifyReport> {
    const present = await this.list();
    const corrupt: string[] = [];
    for (const sha256 of present) {
      try {
        const { sha256: actual } = await hashFile(this.pathOf(sha256));
        if (actual !== sha256) corrupt.push(sha256);
      } catch (e) {
        if (!isNotFound(e)) throw e; // removed meanwhile (gc): not corrupt
      }
    }
    const have = new Set(present);
    const missing = [...new Set(expected)].filter((h) => !have.has(h)).sort();
    return { checked: present.length, corrupt, missing };
  }

  async remove(sha256: string): Promise<boolean> {
    this.writable();
    const file = this.pathOf(sha256);
    try {
      await fs.promises.rm(file);
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    await syncDir(path.dirname(file));
    return true;
  }

  async tempFiles(): Promise<TempFileInfo[]> {
    const out: TempFileInfo[] = [];
    for (const name of await readdirOrEmpty(this.tmp)) {
      const p = path.join(this.tmp, name);
      try {
        const st = await fs.promises.stat(p);
        if (st.isFile()) out.push({ path: p, bytes: st.size, mtimeMs: st.mtimeMs });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async removeTemp(file: string): Promise<void> {
    this.writable();
    // Only ever delete inside our own temp directory.
    if (path.dirname(path.resolve(file)) !== path.resolve(this.tmp)) {
      throw new SentioError('ARTIFACT_INVALID', `not a temp file of this store: ${file}`);
    }
    await fs.promises.rm(file, { force: true });
  }

  /**
   * If a valid object already exists, refresh its mtime (gc's grace clock:
   * a re-put orphan is about to be referenced) and report true. A corrupt
   * one is reported false so the caller rewrites it with good bytes.
   */
  private async keepExisting(sha256: string): Promise<boolean> {
    const file = this.pathOf(sha256);
    try {
      const { sha256: actual } = await hashFile(file);
      if (actual !== sha256) return false;
      const now = new Date();
      await fs.promises.utimes(file, now, now);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  private async openTemp(): Promise<{ path: string; fh: fs.promises.FileHandle }> {
    await fs.promises.mkdir(this.tmp, { recursive: true });
    const p = tempName(this.tmp);
    return { path: p, fh: await fs.promises.open(p, 'wx', 0o600) };
  }

  /** Rename a complete, fsync'd temp file to its address and make that durable. */
  private async publish(tmpPath: string, sha256: string): Promise<void> {
    const file = this.pathOf(sha256);
    const dir = path.dirname(file);
    const created = await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.chmod(tmpPath, OBJECT_MODE);
    await fs.promises.rename(tmpPath, file);
    await syncDir(dir);
    if (created !== undefined) {
      await syncDir(this.objects);
      await syncDir(this.root);
    }
  }

  private async discard(tmp: { path: string; fh: fs.promises.FileHandle }): Promise<void> {
    await tmp.fh.close().catch(() => {});
    await fs.promises.rm(tmp.path, { force: true }).catch(() => {});
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.promises.readdir(dir);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}
