/**
 * Content-addressed artifacts stored in PostgreSQL, so hosts that share a
 * store need no shared filesystem: an `artifact_objects` row (sha256, size,
 * chunk count, gc clock) and its 1 MiB `artifact_chunks` (bytea), written in
 * one transaction — a reader never sees a partial object. Reads re-hash the
 * bytes (and check the size) before returning them: ARTIFACT_CORRUPT rather
 * than a wrong model.
 *
 * Each host keeps a read-through cache in the store's local directory
 * (Registry.dir: see url.ts), itself a filesystem artifact store, so it is
 * verified on read as well: a damaged cached copy is ignored and refetched.
 * `pathOf` answers only for objects already in that cache (it throws
 * otherwise, and callers fall back to `get`, which fills it) so servers can
 * still stream a cached model file from disk.
 *
 * No temp files: an interrupted write is a rolled-back transaction.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { SentioError } from '../../errors/index.js';
import { artifactCorrupt, artifactMissing } from '../errors.js';
import { FsArtifactStore } from '../fs-artifact-store.js';
import { hashFile, sha256Hex } from '../hash.js';
import { isSha256 } from '../names.js';
import type { ArtifactInfo, ArtifactStore, TempFileInfo, VerifyReport } from '../types.js';
import type { PgDatabase, Tx } from './database.js';

/** Bytes per stored chunk. */
export const CHUNK_BYTES = 1 << 20;

function checkHash(sha256: string): void {
  if (!isSha256(sha256)) {
    throw new SentioError(
      'ARTIFACT_INVALID',
      `invalid artifact hash "${String(sha256)}": expected 64 lowercase hex characters`,
      { sha256 },
    );
  }
}

export class PgArtifactStore implements ArtifactStore {
  /** The host-local read-through cache. */
  readonly cache: FsArtifactStore;

  constructor(
    private readonly db: PgDatabase,
    cacheDir: string,
    private readonly readonly = false,
  ) {
    this.cache = new FsArtifactStore(cacheDir);
  }

  private where(sha256: string): string {
    return `${this.db.store} (artifact ${sha256})`;
  }

  private writable(): void {
    if (this.readonly) {
      throw new SentioError(
        'REGISTRY_STORE_READONLY',
        `the store ${this.db.store} is open read-only`,
      );
    }
  }

  /**
   * In a write transaction: if a sound object with this hash exists, refresh
   * its gc clock and report true; a damaged one (hashed server-side) is
   * deleted so the caller writes it again, and false is reported.
   */
  private async keepExisting(tx: Tx, sha256: string): Promise<boolean> {
    const row = (
      await tx.query(
        `SELECT o.bytes,
           (SELECT encode(sha256(coalesce(string_agg(c.data, ''::bytea ORDER BY c.seq), ''::bytea)), 'hex')
              FROM artifact_chunks c WHERE c.sha256 = o.sha256) AS actual,
           (SELECT coalesce(sum(length(c.data)), 0) FROM artifact_chunks c WHERE c.sha256 = o.sha256) AS length
         FROM artifact_objects o WHERE o.sha256 = $1 FOR UPDATE`,
        [sha256],
      )
    ).rows[0] as { bytes: number; actual: string; length: number } | undefined;
    if (row === undefined) return false;
    if (row.actual === sha256 && Number(row.length) === row.bytes) {
      await tx.query('UPDATE artifact_objects SET touched_at = now() WHERE sha256 = $1', [sha256]);
      return true;
    }
    await tx.query('DELETE FROM artifact_objects WHERE sha256 = $1', [sha256]);
    return false;
  }

  /**
   * Write one object in one transaction. The object row is inserted first
   * (ON CONFLICT DO NOTHING): a concurrent writer of the same bytes waits on
   * it and then finds the object complete.
   */
  private async write(
    sha256: string,
    bytes: number,
    chunks: (tx: Tx) => AsyncIterable<Buffer>,
  ): Promise<void> {
    await this.db.write(async (tx) => {
      if (await this.keepExisting(tx, sha256)) return;
      const inserted = await tx.query(
        `INSERT INTO artifact_objects (sha256, bytes, chunk_size, chunks, created_at, touched_at)
         VALUES ($1, $2, $3, $4, now(), now()) ON CONFLICT (sha256) DO NOTHING`,
        [sha256, bytes, CHUNK_BYTES, Math.ceil(bytes / CHUNK_BYTES)],
      );
      if (inserted.rowCount === 0) {
        await tx.query('UPDATE artifact_objects SET touched_at = now() WHERE sha256 = $1', [
          sha256,
        ]);
        return;
      }
      let seq = 0;
      for await (const chunk of chunks(tx)) {
        await tx.query('INSERT INTO artifact_chunks (sha256, seq, data) VALUES ($1, $2, $3)', [
          sha256,
          seq++,
          chunk,
        ]);
      }
    });
  }

  async put(bytes: Uint8Array, _meta?: { kind?: string }): Promise<string> {
    this.writable();
    const sha256 = sha256Hex(bytes);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.write(sha256, buf.length, async function* () {
      for (let off = 0; off < buf.length; off += CHUNK_BYTES) {
        yield buf.subarray(off, Math.min(buf.length, off + CHUNK_BYTES));
      }
    });
    await this.cache.put(bytes).catch(() => {}); // a cache is best effort
    return sha256;
  }

  async putFile(file: string): Promise<string> {
    this.writable();
    const { sha256, bytes } = await hashFile(file);
    await this.write(sha256, bytes, async function* () {
      // Re-read in chunk-sized pieces, re-hashing: a file changed since it was hashed is refused.
      const hash = createHash('sha256');
      let total = 0;
      for await (const piece of fs.createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
        hash.update(piece as Buffer);
        total += (piece as Buffer).length;
        yield piece as Buffer;
      }
      if (hash.digest('hex') !== sha256 || total !== bytes) {
        throw new SentioError('ARTIFACT_INVALID', `${file} changed while it was being stored`, {
          file,
        });
      }
    });
    return sha256;
  }

  /** The object from the database, verified (not from the cache). */
  private async fetch(sha256: string): Promise<Buffer> {
    const found = await this.db.query<{ bytes: number; seq: number | null; data: Buffer | null }>(
      `SELECT o.bytes, c.seq, c.data FROM artifact_objects o
       LEFT JOIN artifact_chunks c ON c.sha256 = o.sha256
       WHERE o.sha256 = $1 ORDER BY c.seq`,
      [sha256],
    );
    if (found.length === 0) throw artifactMissing(sha256);
    const parts = found.filter((r) => r.data !== null).map((r) => r.data as Buffer);
    const bytes = Buffer.concat(parts);
    const actual = sha256Hex(bytes);
    if (actual !== sha256 || bytes.length !== found[0]?.bytes) {
      throw artifactCorrupt(sha256, actual, this.where(sha256));
    }
    return bytes;
  }

  async get(sha256: string): Promise<Uint8Array> {
    checkHash(sha256);
    try {
      return await this.cache.get(sha256);
    } catch {
      // Not cached, or a damaged copy: the database is the source of truth.
    }
    const bytes = await this.fetch(sha256);
    await this.cache.put(bytes).catch(() => {});
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  /** The cached copy's path; throws when the object is not cached on this host (use get()). */
  pathOf(sha256: string): string {
    const file = this.cache.pathOf(sha256);
    if (!fs.existsSync(file)) {
      throw new SentioError(
        'ARTIFACT_MISSING',
        `artifact ${sha256} is not in this host's cache of ${this.db.store}; read it with get(), which caches it`,
        { sha256 },
      );
    }
    return file;
  }

  async stat(sha256: string): Promise<ArtifactInfo | null> {
    checkHash(sha256);
    const r = await this.db.query<{ bytes: number; touched_at: string }>(
      'SELECT bytes, touched_at FROM artifact_objects WHERE sha256 = $1',
      [sha256],
    );
    const row = r[0];
    return row === undefined ? null : { bytes: row.bytes, mtimeMs: Date.parse(row.touched_at) };
  }

  async list(): Promise<string[]> {
    return (
      await this.db.query<{ sha256: string }>(
        'SELECT sha256 FROM artifact_objects ORDER BY sha256 COLLATE "C"',
      )
    ).map((r) => r.sha256);
  }

  /** Re-hash every object server-side (no transfer); drop damaged copies from this host's cache. */
  async verifyAll(expected: Iterable<string> = []): Promise<VerifyReport> {
    const present = await this.list();
    const corrupt: string[] = [];
    for (const sha256 of present) {
      const r = (
        await this.db.query<{ bytes: number; actual: string; length: number }>(
          `SELECT o.bytes,
             encode(sha256(coalesce(string_agg(c.data, ''::bytea ORDER BY c.seq), ''::bytea)), 'hex') AS actual,
             coalesce(sum(length(c.data)), 0) AS length
           FROM artifact_objects o LEFT JOIN artifact_chunks c ON c.sha256 = o.sha256
           WHERE o.sha256 = $1 GROUP BY o.sha256, o.bytes`,
          [sha256],
        )
      )[0];
      if (r === undefined) continue; // removed meanwhile (gc): not corrupt
      if (r.actual !== sha256 || Number(r.length) !== r.bytes) corrupt.push(sha256);
    }
    const cached = await this.cache.verifyAll();
    for (const bad of cached.corrupt) await this.cache.remove(bad).catch(() => {});
    const have = new Set(present);
    const missing = [...new Set(expected)].filter((h) => !have.has(h)).sort();
    return { checked: present.length, corrupt, missing };
  }

  async remove(sha256: string): Promise<boolean> {
    this.writable();
    checkHash(sha256);
    const removed = await this.db.write(
      async (tx) =>
        ((await tx.query('DELETE FROM artifact_objects WHERE sha256 = $1', [sha256])).rowCount ??
          0) > 0,
    );
    await this.cache.remove(sha256).catch(() => false);
    return removed;
  }

  async tempFiles(): Promise<TempFileInfo[]> {
    return [];
  }

  async removeTemp(file: string): Promise<void> {
    throw new SentioError(
      'ARTIFACT_INVALID',
      `not a temp file of this store: ${file} (a PostgreSQL store has none)`,
    );
  }
}
