/**
 * The byte side of reading a dataset: open the file, hash the raw bytes on
 * the fly (sha256, the file's identity), gunzip when it is gzip data, and
 * decode UTF-8 strictly, chunk by chunk. Yields text chunks; never holds
 * the file as one string or one buffer.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline, type Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SentioError } from '../errors/index.js';
import { dataError } from './errors.js';

/** Read size: large enough that per-chunk overhead vanishes, small enough to stream. */
const CHUNK_BYTES = 1 << 20;

export interface SourceInfo {
  path: string;
  /** Raw size on disk. */
  bytes: number;
  gzip: boolean;
}

export interface Source extends SourceInfo {
  /** Decoded text, chunk by chunk. Iterate once, to the end. */
  text(): AsyncGenerator<string, void>;
  /** sha256 hex of the raw bytes; valid once text() has been read to the end. */
  sha256(): string;
}

/** Stat the file and look at its first bytes (gzip magic), with clear errors. */
export async function openSource(
  file: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<Source> {
  const size = await fileSize(file);
  const gzip = size >= 2 && (await hasGzipMagic(file));
  if (!gzip && /\.gz$/i.test(file) && size > 0) {
    throw dataError(
      'DATA_MALFORMED',
      file,
      null,
      'the name ends in .gz but the file is not gzip data',
      {
        kind: 'bad_gzip',
      },
    );
  }
  let digest: string | null = null;
  const info: SourceInfo = { path: file, bytes: size, gzip };
  return {
    ...info,
    sha256() {
      if (digest === null)
        throw new Error(`sha256 of ${file} asked for before the file was read to the end`);
      return digest;
    },
    async *text() {
      const hash = createHash('sha256');
      let read = 0;
      const raw = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          read += chunk.length;
          onProgress?.(read, size);
          done(null, chunk);
        },
      });
      const noop = () => {};
      const bytes: Readable = gzip
        ? pipeline(raw, tap, createGunzip({ chunkSize: CHUNK_BYTES }), noop)
        : pipeline(raw, tap, noop);
      const decoder = new TextDecoder('utf-8', { fatal: true });
      try {
        for await (const buf of bytes) {
          let s: string;
          try {
            s = decoder.decode(buf as Buffer, { stream: true });
          } catch {
            throw await encodingError(file, gzip);
          }
          if (s.length > 0) yield s;
        }
        let last: string;
        try {
          last = decoder.decode();
        } catch {
          throw await encodingError(file, gzip);
        }
        if (last.length > 0) yield last;
        digest = hash.digest('hex');
      } catch (e) {
        throw streamError(file, e);
      } finally {
        raw.destroy();
      }
    },
  };
}

/** Size of a readable regular file, or DATA_NOT_FOUND / DATA_UNREADABLE saying why not. */
export async function fileSize(file: string): Promise<number> {
  try {
    const st = await fs.promises.stat(file);
    if (st.isDirectory()) {
      throw dataError('DATA_NOT_FOUND', file, null, 'is a directory, not a data file');
    }
    return st.size;
  } catch (e) {
    throw ioError(file, e);
  }
}

async function hasGzipMagic(file: string): Promise<boolean> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function ioError(file: string, e: unknown) {
  if (e instanceof SentioError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return dataError('DATA_NOT_FOUND', file, null, 'no such file', {}, e);
  return dataError('DATA_UNREADABLE', file, null, `cannot read: ${(e as Error).message}`, {}, e);
}

/** Turn stream-level failures (zlib, fs) into SentioErrors; pass ours through. */
function streamError(file: string, e: unknown) {
  if (e instanceof SentioError) return e;
  const code = (e as { code?: string }).code ?? '';
  if (code.startsWith('Z_') || code === 'ERR_ZLIB') {
    const truncated = code === 'Z_BUF_ERROR';
    return dataError(
      'DATA_MALFORMED',
      file,
      null,
      truncated
        ? 'gzip data is truncated (the download or copy is incomplete?)'
        : `not valid gzip data: ${(e as Error).message}`,
      { kind: 'bad_gzip' },
      e,
    );
  }
  return ioError(file, e);
}

/**
 * The fatal decoder says "invalid UTF-8" but not where; read the bytes again
 * through a validator that tracks lines, so the error names the line. Runs
 * only on the error path.
 */
async function encodingError(file: string, gzip: boolean) {
  const raw = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
  const bytes: Readable = gzip ? pipeline(raw, createGunzip(), () => {}) : raw;
  const v = new Utf8Locator();
  try {
    for await (const buf of bytes) {
      if (v.scan(buf as Buffer)) break;
    }
  } finally {
    raw.destroy();
  }
  v.finish();
  const hex =
    v.badByte === null ? '' : ` (byte 0x${v.badByte.toString(16).toUpperCase().padStart(2, '0')})`;
  const reason = v.truncated
    ? 'not valid UTF-8: the data ends in the middle of a multi-byte character'
    : `not valid UTF-8${hex} at byte offset ${v.badOffset}; re-save the file as UTF-8`;
  return dataError('DATA_ENCODING', file, v.badLine, reason, {
    offset: v.badOffset,
    byte: v.badByte,
  });
}

/** Streaming UTF-8 validation (Unicode Table 3-7) that remembers where it failed. */
export class Utf8Locator {
  badOffset = -1;
  badLine = 1;
  badByte: number | null = null;
  truncated = false;
  private offset = 0;
  private line = 1;
  private need = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private seqStart = 0;
  private seqLine = 1;
  private seqByte = 0;

  /** Feed bytes; true once an invalid sequence was found. */
  scan(buf: Uint8Array): boolean {
    for (let k = 0; k < buf.length; k++, this.offset++) {
      const b = buf[k] as number;
      if (this.need === 0) {
        if (b < 0x80) {
          if (b === 0x0a) this.line++;
          continue;
        }
        this.seqStart = this.offset;
        this.seqLine = this.line;
        this.seqByte = b;
        if (b >= 0xc2 && b <= 0xdf) this.need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          this.need = 2;
          if (b === 0xe0) this.lower = 0xa0;
          if (b === 0xed) this.upper = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          this.need = 3;
          if (b === 0xf0) this.lower = 0x90;
          if (b === 0xf4) this.upper = 0x8f;
        } else return this.fail();
      } else {
        if (b < this.lower || b > this.upper) return this.fail();
        this.lower = 0x80;
        this.upper = 0xbf;
        this.need--;
      }
    }
    return false;
  }

  /** End of data: an unfinished multi-byte sequence is an error too. */
  finish(): void {
    if (this.badOffset < 0 && this.need > 0) {
      this.fail();
      this.truncated = true;
    }
  }

  private fail(): true {
    this.badOffset = this.seqStart;
    this.badLine = this.seqLine;
    this.badByte = this.seqByte;
    return true;
  }
}
