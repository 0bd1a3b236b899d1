/**
 * Just enough tar and zip reading to turn official dataset archives into
 * CSV files without external tools: streaming ustar/GNU tar (over gunzip)
 * and zip (stored or deflated entries, CRC-checked). Only the entries a
 * converter asks for are kept in memory.
 * @module
 */
import fs from 'node:fs';
import { createGunzip, inflateRawSync } from 'node:zlib';
import { SentioError } from '../errors/index.js';

function archiveError(file: string, reason: string): SentioError {
  return new SentioError('DATA_MALFORMED', `${file}: ${reason}`, {
    file,
    line: null,
    reason,
    kind: 'bad_archive',
  });
}

/** Read a NUL-terminated string field of a tar header. */
function cstr(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

function octal(b: Buffer, start: number, len: number): number {
  const s = cstr(b, start, len).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

function headerChecksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  return sum === octal(h, 148, 8);
}

/**
 * Call `onFile(name, data)` for every regular file of a .tar.gz whose name
 * `want` accepts; other entries are skipped without being kept.
 */
export async function readTarGz(
  file: string,
  want: (name: string) => boolean,
  onFile: (name: string, data: Buffer) => void,
): Promise<void> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip());
  let pending: Buffer = Buffer.alloc(0);
  // Current entry: bytes of body left, padding left, and whether to keep it.
  let body = 0;
  let pad = 0;
  let keep = false;
  let kind = '';
  let name = '';
  let parts: Buffer[] = [];
  let longName: string | null = null;
  let ended = false;
  try {
    for await (const chunk of stream) {
      pending =
        pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
      let off = 0;
      while (!ended) {
        if (body > 0) {
          const take = Math.min(body, pending.length - off);
          if (take === 0) break;
          if (keep) parts.push(pending.subarray(off, off + take));
          off += take;
          body -= take;
          if (body > 0) break;
          finish();
          continue;
        }
        if (pad > 0) {
          const take = Math.min(pad, pending.length - off);
          off += take;
          pad -= take;
          if (pad > 0) break;
          continue;
        }
        if (pending.length - off < 512) break;
        const h = pending.subarray(off, off + 512);
        off += 512;
        if (h.every((b) => b === 0)) {
          ended = true;
          break;
        }
        if (!headerChecksumOk(h)) throw archiveError(file, 'corrupt tar header (bad checksum)');
        const size = octal(h, 124, 12);
        kind = String.fromCharCode(h[156] as number);
        const prefix = h.toString('latin1', 257, 262) === 'ustar' ? cstr(h, 345, 155) : '';
        name = longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
        if (kind !== 'L' && kind !== 'x') longName = null;
        const regular = kind === '0' || kind === '\0';
        keep = kind === 'L' || kind === 'x' || (regular && want(name));
        parts = [];
        body = size;
        pad = (512 - (size % 512)) % 512;
        if (size === 0) finish();
      }
      pending = pending.subarray(off);
    }
  } catch (e) {
    if (e instanceof SentioError) throw e;
    throw archiveError(file, `cannot read the archive: ${(e as Error).message}`);
  }
  if (!ended && (body > 0 || pending.length > 0))
    throw archiveError(file, 'tar archive is truncated');

  function finish(): void {
    if (!keep) return;
    const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    parts = [];
    if (kind === 'L') longName = cstr(data, 0, data.length);
    else if (kind === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1] as string;
    } else onFile(name, data);
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++)
    c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Every file of a zip archive whose name `want` accepts, as name → bytes.
 * The archive is read whole (the official dataset zips are a few MB).
 */
export async function readZip(
  file: string,
  want: (name: string) => boolean,
): Promise<Map<string, Buffer>> {
  const zip = await fs.promises.readFile(file);
  // End of central directory: at the end, after an optional comment of up to 64 KiB.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw archiveError(file, 'not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let e = 0; e < entries; e++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50)
      throw archiveError(file, 'corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/') || !want(name)) continue;
    if (zip.readUInt32LE(local) !== 0x04034b50)
      throw archiveError(file, `corrupt zip entry ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) data = inflateRawSync(raw);
    else
      throw archiveError(file, `zip entry ${name} uses unsupported compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc)
      throw archiveError(file, `zip entry ${name} fails its CRC check`);
    out.set(name, data);
  }
  return out;
}
