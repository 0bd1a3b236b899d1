/**
 * `pullDataset`: get a known public dataset into the local cache, verified.
 *
 * Sources, in order: the cache itself (files already pulled and still
 * matching their recorded sha256), a mirror directory (`opts.mirror`, else
 * env SENTIO_DATA_MIRROR) laid out like ../shared/data (`imdb/train.csv`,
 * ...), else the official download address.
 *
 * What is verified against what (recorded per file in the cache manifest,
 * `<cache>/<name>/manifest.json`):
 * - `pinned`: matched the sha256 in Sentio's catalog (mirror files against
 *   the reference CSVs; downloaded archives against their published hash);
 * - `recorded`: matched the sha256 this cache recorded on the first pull
 *   (for files the catalog has no hash for);
 * - `first-pull`: nothing to compare with yet; the hash is recorded now and
 *   every later pull must match it (trust on first use).
 * Files converted from a downloaded archive are derived data: their hash is
 * compared with the reference CSV's and the result reported (`matchesReference`),
 * but a difference is not an error (the archive itself was verified).
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { AtomicFile, hashFile } from './atomic-file.js';
import { defaultCacheDir, type Manifest, readManifest, writeManifest } from './cache-manifest.js';
import { CATALOG, type DatasetSpec, findDataset } from './catalog.js';
import { CONVERTERS, writeLabelledCsv } from './convert.js';
import {
  copyVerified,
  download,
  expectation,
  pullError,
  type Verification,
} from './verified-transfer.js';

export { defaultCacheDir } from './cache-manifest.js';
export type { Verification } from './verified-transfer.js';

export interface PulledFile {
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  verified: Verification;
  /** For files converted from a download: equal to the reference CSV? (null: no reference hash) */
  matchesReference?: boolean | null;
}

export interface PullResult {
  name: string;
  /** Directory holding the dataset's files. */
  path: string;
  /** Absolute paths of the files, in catalog order. */
  files: string[];
  /** File name → sha256 hex. */
  sha256: Record<string, string>;
  /** Where the files came from this time. */
  source: 'cache' | 'mirror' | 'official';
  /** The mirror directory or download URL they were taken from (for `cache`: the original source). */
  from: string;
  details: PulledFile[];
  archive?: { url: string; path: string; sha256: string; bytes: number; verified: Verification };
  manifest: string;
}

export interface PullOptions {
  /** Mirror root (defaults to env SENTIO_DATA_MIRROR). */
  mirror?: string;
  /** Cache directory (defaults to defaultCacheDir()). */
  cacheDir?: string;
  /** Pull again even when the cache already holds verified files. */
  force?: boolean;
  onProgress?: (done: number, total: number, what: string) => void;
  /** A different catalog (tests). */
  catalog?: readonly DatasetSpec[];
}

export function resolveDataset(
  name: string,
  catalog: readonly DatasetSpec[] = CATALOG,
): DatasetSpec {
  const spec = findDataset(name, catalog);
  if (spec === undefined) {
    throw pullError(
      'DATA_UNKNOWN_DATASET',
      `unknown dataset "${name}" (known: ${catalog.map((d) => d.name).join(', ')}; see \`sentio data list\`)`,
      { name, known: catalog.map((d) => d.name) },
    );
  }
  return spec;
}

/** The cache as it stands, if every file is present and still hashes to what the manifest says. */
async function fromCache(
  spec: DatasetSpec,
  dir: string,
  manifest: Manifest | null,
): Promise<PulledFile[] | null> {
  if (manifest === null) return null;
  const out: PulledFile[] = [];
  for (const f of spec.files) {
    const rec = manifest.files[f.name];
    const file = path.join(dir, f.name);
    if (rec === undefined || !fs.existsSync(file)) return null;
    const h = await hashFile(file);
    if (h.sha256 !== rec.sha256) return null;
    out.push({
      name: f.name,
      path: file,
      sha256: h.sha256,
      bytes: h.bytes,
      verified: rec.verified,
      matchesReference: rec.matchesReference,
    });
  }
  return out;
}

async function pullFromMirror(
  spec: DatasetSpec,
  mirror: string,
  dir: string,
  old: Manifest | null,
  opts: PullOptions,
): Promise<PulledFile[]> {
  const srcDir = path.join(mirror, spec.mirrorDir ?? spec.name);
  const missing = spec.files.filter((f) => !fs.existsSync(path.join(srcDir, f.name)));
  if (missing.length > 0) {
    throw pullError(
      'DATA_NOT_FOUND',
      `mirror ${mirror} has no ${missing.map((f) => `${spec.mirrorDir ?? spec.name}/${f.name}`).join(', ')} (a mirror is laid out like <mirror>/${spec.mirrorDir ?? spec.name}/${spec.files[0]?.name})`,
      { file: srcDir, line: null, missing: missing.map((f) => f.name) },
    );
  }
  const out: PulledFile[] = [];
  for (const f of spec.files) {
    const sameSource = old?.source === 'mirror' ? old.files[f.name]?.sha256 : undefined;
    const expect = expectation(f.sha256, sameSource);
    const h = await copyVerified(
      path.join(srcDir, f.name),
      path.join(dir, f.name),
      expect,
      opts.onProgress,
    );
    out.push({ name: f.name, path: path.join(dir, f.name), ...h, verified: expect.how });
  }
  return out;
}

async function pullOfficial(
  spec: DatasetSpec,
  dir: string,
  old: Manifest | null,
  opts: PullOptions,
) {
  const official = spec.official;
  if (official === null) {
    throw pullError(
      'DATA_DOWNLOAD',
      `${spec.name} has no public download address${spec.note ? ` (${spec.note})` : ''}; copy it from a mirror: --mirror DIR or SENTIO_DATA_MIRROR`,
      { name: spec.name },
    );
  }
  const archivePath = path.join(dir, 'source', official.archive);
  const expect = expectation(
    official.sha256,
    old?.archive?.url === official.url ? old.archive.sha256 : undefined,
  );
  let archive: { sha256: string; bytes: number } | null = null;
  if (expect.sha256 !== undefined && fs.existsSync(archivePath)) {
    // A verified archive from an earlier pull is reused, after checking it again.
    const h = await hashFile(archivePath);
    if (h.sha256 === expect.sha256) archive = h;
  }
  archive ??= await download(official.url, archivePath, expect, opts.onProgress);
  const converted = await CONVERTERS[official.converter](archivePath);
  const files: PulledFile[] = [];
  for (const f of spec.files) {
    const rows = converted.get(f.name);
    if (rows === undefined)
      throw new Error(`converter ${official.converter} produced no ${f.name}`);
    const out = await AtomicFile.create(path.join(dir, f.name));
    try {
      await writeLabelledCsv(out, rows);
      const sha256 = await out.close();
      await out.commit();
      files.push({
        name: f.name,
        path: path.join(dir, f.name),
        sha256,
        bytes: out.bytes,
        verified: expect.how,
        matchesReference: f.sha256 === undefined ? null : f.sha256 === sha256,
      });
    } catch (e) {
      await out.discard();
      throw e;
    }
  }
  return {
    files,
    archive: { url: official.url, path: archivePath, ...archive, verified: expect.how },
  };
}

export async function pullDataset(name: string, opts: PullOptions = {}): Promise<PullResult> {
  const spec = resolveDataset(name, opts.catalog);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const dir = path.resolve(cacheDir, spec.name);
  const manifestPath = path.join(dir, 'manifest.json');
  const old = await readManifest(manifestPath);
  const result = (
    source: PullResult['source'],
    from: string,
    details: PulledFile[],
    archive?: PullResult['archive'],
  ): PullResult => ({
    name: spec.name,
    path: dir,
    files: details.map((d) => d.path),
    sha256: Object.fromEntries(details.map((d) => [d.name, d.sha256])),
    source,
    from,
    details,
    ...(archive ? { archive } : {}),
    manifest: manifestPath,
  });

  if (!opts.force) {
    const cached = await fromCache(spec, dir, old);
    if (cached !== null && old !== null) return result('cache', old.from, cached);
  }
  const mirror = opts.mirror ?? (process.env.SENTIO_DATA_MIRROR || undefined);
  let details: PulledFile[];
  let archive: PullResult['archive'];
  let source: 'mirror' | 'official';
  let from: string;
  if (mirror !== undefined) {
    source = 'mirror';
    from = path.resolve(mirror);
    details = await pullFromMirror(spec, from, dir, old, opts);
  } else {
    source = 'official';
    from = spec.official?.url ?? '';
    ({ files: details, archive } = await pullOfficial(spec, dir, old, opts));
  }
  const manifest: Manifest = {
    name: spec.name,
    pulledAt: new Date().toISOString(),
    source,
    from,
    files: Object.fromEntries(
      details.map((d) => [
        d.name,
        {
          sha256: d.sha256,
          bytes: d.bytes,
          verified: d.verified,
          ...(d.matchesReference !== undefined ? { matchesReference: d.matchesReference } : {}),
        },
      ]),
    ),
    ...(archive
      ? {
          archive: {
            url: archive.url,
            file: path.relative(dir, archive.path),
            sha256: archive.sha256,
            bytes: archive.bytes,
            verified: archive.verified,
          },
        }
      : {}),
  };
  await writeManifest(manifestPath, manifest);
  return result(source, from, details, archive);
}
