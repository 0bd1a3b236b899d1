/**
 * Moving one version between stores: `exportVersion` writes a directory
 *
 *   DIR/manifest.json        what the version is (metadata, run, evaluations)
 *                            and the sha256 + size of every file
 *   DIR/artifacts/<sha256>   the artifacts, named by their hash
 *
 * and `importVersion` reads it back into another store. Export is atomic (a
 * temp directory renamed into place). Import verifies every hash before
 * anything is written, stores the artifacts (content-addressed, so repeats
 * cost nothing), then registers the version, its run and its evaluations in
 * one transaction; importing the same export twice finds the version by its
 * model hash and creates nothing (identity by content). Aliases are not
 * carried over: they are deployment decisions of the source store.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { SentioError } from '../errors/index.js';
import { artifactCorrupt, artifactMissing } from './errors.js';
import { syncDir, tempName, writeAllAndSync } from './fsync.js';
import { hashFile } from './hash.js';
import { isSha256 } from './names.js';
import { SENTIO_VERSION, whoAmI } from './provenance.js';
import type { SentioRegistry } from './registry.js';
import type { EvaluationRecord, Registry, RunRecord, VersionRecord } from './types.js';

export const EXPORT_FORMAT = 'sentio.export';
export const EXPORT_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  exportedAt: string;
  exportedBy: string;
  sentioVersion: string;
  model: { name: string; description: string; tags: Record<string, string> };
  version: Omit<VersionRecord, 'aliases'>;
  run: RunRecord | null;
  evaluations: Array<Omit<EvaluationRecord, 'id'>>;
  /** sha256 → size in bytes, for every file under artifacts/. */
  files: Record<string, { bytes: number }>;
}

export interface ExportResult {
  dir: string;
  model: string;
  version: number;
  files: number;
  bytes: number;
}

export interface ImportResult {
  model: string;
  version: number;
  created: boolean;
  /** The version number in the exporting store. */
  sourceVersion: number;
  files: number;
  bytes: number;
}

/** JSON that keeps NaN/±Infinity (as strings) so metrics survive the trip. */
function manifestJson(m: ExportManifest): string {
  return `${JSON.stringify(m, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

function numbers(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    out[k] = typeof v === 'number' ? v : Number(v ?? Number.NaN);
  }
  return out;
}

export async function exportVersion(
  reg: Registry,
  ref: string,
  outDir: string,
): Promise<ExportResult> {
  const v = await reg.resolve(ref);
  const model = await reg.getModel(v.model);
  const read = v.runId === null ? null : await reg.getRun(v.runId).catch(() => null);
  // `interrupted` is derived where the export is read, never stored: export what the store holds.
  const run = read?.status === 'interrupted' ? { ...read, status: 'running' as const } : read;
  const evaluations = await reg.listEvaluations(v.model, v.version);
  const hashes = new Set<string>(Object.values(v.artifacts));
  for (const e of evaluations) if (e.reportSha256) hashes.add(e.reportSha256);

  const target = path.resolve(outDir);
  if (fs.existsSync(target)) {
    const st = fs.statSync(target);
    if (!st.isDirectory() || fs.readdirSync(target).length > 0) {
      throw new SentioError(
        'REGISTRY_EXPORT_CONFLICT',
        `${target} already exists and is not an empty directory; choose a new output directory`,
        { dir: target },
      );
    }
  }
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = tempName(parent, `.${path.basename(target)}.tmp-`);
  fs.mkdirSync(path.join(tmp, 'artifacts'), { recursive: true });
  try {
    const files: Record<string, { bytes: number }> = {};
    let bytes = 0;
    for (const sha of [...hashes].sort()) {
      const data = await reg.artifacts.get(sha); // verified
      await writeDurable(path.join(tmp, 'artifacts', sha), data);
      files[sha] = { bytes: data.byteLength };
      bytes += data.byteLength;
    }
    await syncDir(path.join(tmp, 'artifacts'));
    const { aliases: _aliases, ...version } = v;
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      formatVersion: EXPORT_FORMAT_VERSION,
      exportedAt: new Date().toISOString(),
      exportedBy: whoAmI(),
      sentioVersion: SENTIO_VERSION,
      model: { name: model.name, description: model.description, tags: model.tags },
      version,
      run,
      evaluations: evaluations.map(({ id: _id, ...e }) => e),
      files,
    };
    await writeDurable(
      path.join(tmp, MANIFEST_FILE),
      new TextEncoder().encode(manifestJson(manifest)),
    );
    await syncDir(tmp);
    // rename(2) replaces an empty directory atomically; the output appears whole or not at all.
    fs.renameSync(tmp, target);
    await syncDir(parent);
    return { dir: target, model: v.model, version: v.version, files: hashes.size, bytes };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function writeDurable(file: string, data: Uint8Array): Promise<void> {
  const fh = await fs.promises.open(file, 'wx');
  try {
    await writeAllAndSync(fh, data);
  } finally {
    await fh.close();
  }
}

function bad(dir: string, why: string): SentioError {
  return new SentioError('REGISTRY_IMPORT_INVALID', `${dir} is not a valid Sentio export: ${why}`, {
    dir,
  });
}

/** Parse and check a manifest's shape (not yet the files). */
export function readManifest(dir: string): ExportManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!fs.existsSync(dir)) {
        throw new SentioError('REGISTRY_IMPORT_INVALID', `no such directory: ${dir}`, { dir });
      }
      throw bad(dir, `no ${MANIFEST_FILE}`);
    }
    throw bad(dir, `${MANIFEST_FILE} is not JSON (${(e as Error).message})`);
  }
  const m = raw as Partial<ExportManifest>;
  if (m === null || typeof m !== 'object' || m.format !== EXPORT_FORMAT) {
    throw bad(dir, `${MANIFEST_FILE} is not a ${EXPORT_FORMAT} manifest`);
  }
  if (typeof m.formatVersion !== 'number' || m.formatVersion > EXPORT_FORMAT_VERSION) {
    throw bad(
      dir,
      `export format version ${String(m.formatVersion)} is newer than this Sentio reads (${EXPORT_FORMAT_VERSION}); upgrade Sentio`,
    );
  }
  const v = m.version;
  if (!m.model || typeof m.model.name !== 'string' || !v || typeof v !== 'object') {
    throw bad(dir, 'model or version missing');
  }
  if (!isSha256(v.modelSha256) || !v.artifacts || typeof v.artifacts !== 'object') {
    throw bad(dir, 'version.modelSha256 or version.artifacts missing');
  }
  if (
    typeof v.version !== 'number' ||
    typeof v.createdAt !== 'string' ||
    Number.isNaN(Date.parse(v.createdAt))
  ) {
    throw bad(dir, 'version.version or version.createdAt missing');
  }
  if (!m.files || typeof m.files !== 'object') throw bad(dir, 'files missing');
  for (const [sha, f] of Object.entries(m.files)) {
    if (!isSha256(sha) || typeof f?.bytes !== 'number') throw bad(dir, `bad files entry "${sha}"`);
  }
  const needed = [
    ...Object.values(v.artifacts),
    ...(m.evaluations ?? [])
      .map((e) => e.reportSha256)
      .filter((h): h is string => typeof h === 'string'),
  ];
  for (const sha of needed) {
    if (!isSha256(sha)) throw bad(dir, `bad artifact hash "${String(sha)}"`);
    if (!(sha in m.files)) throw bad(dir, `artifact ${sha} is referenced but not listed in files`);
  }
  if (m.run !== null && m.run !== undefined) checkRun(dir, m.run);
  return {
    ...(m as ExportManifest),
    version: { ...v, metrics: numbers(v.metrics) } as ExportManifest['version'],
    run: m.run ? { ...m.run, metrics: numbers(m.run.metrics) } : null,
    evaluations: (m.evaluations ?? []).map((e) => ({ ...e, metrics: numbers(e.metrics) })),
  };
}

function checkRun(dir: string, r: RunRecord): void {
  const strings = ['id', 'experiment', 'startedAt', 'host', 'user', 'sentioVersion'] as const;
  if (typeof r !== 'object' || strings.some((k) => typeof r[k] !== 'string')) {
    throw bad(dir, 'run is incomplete');
  }
  if (!/^[0-9a-f]{4,64}$/.test(r.id)) throw bad(dir, `bad run id "${r.id}"`);
  if (!['running', 'finished', 'failed'].includes(r.status))
    throw bad(dir, `bad run status "${r.status}"`);
  // Exports from before pids were recorded have none.
  if (r.pid !== undefined && r.pid !== null && !(Number.isSafeInteger(r.pid) && r.pid > 0))
    throw bad(dir, `bad run pid "${String(r.pid)}"`);
}

export async function importVersion(reg: Registry, dir: string): Promise<ImportResult> {
  const src = path.resolve(dir);
  const m = readManifest(src);
  // 1. Verify every file before writing anything.
  let bytes = 0;
  for (const [sha, f] of Object.entries(m.files)) {
    const file = path.join(src, 'artifacts', sha);
    let actual: { sha256: string; bytes: number };
    try {
      actual = await hashFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw artifactMissing(sha, `in the export ${src}`);
      throw e;
    }
    if (actual.sha256 !== sha || actual.bytes !== f.bytes)
      throw artifactCorrupt(sha, actual.sha256, file);
    bytes += actual.bytes;
  }
  // 2. Store the artifacts (atomic, content-addressed: re-imports write nothing new).
  for (const sha of Object.keys(m.files)) {
    const stored = await reg.artifacts.putFile(path.join(src, 'artifacts', sha));
    if (stored !== sha) throw artifactCorrupt(sha, stored, path.join(src, 'artifacts', sha));
  }
  // 3. One transaction: model (if new), run (if new), version, evaluations.
  const v = m.version;
  // Keep the lineage link when the run travels with the export or is already here.
  const runKnown =
    v.runId !== null &&
    v.runId !== undefined &&
    (m.run?.id === v.runId ||
      (await reg.getRun(v.runId).then(
        () => true,
        () => false,
      )));
  const registry = reg as SentioRegistry;
  if (typeof registry.registerWith !== 'function') {
    throw new SentioError('INTERNAL', 'importVersion needs a registry opened by openRegistry');
  }
  const { version, created } = await registry.registerWith(
    {
      model: m.model.name,
      modelSha256: v.modelSha256,
      artifacts: v.artifacts,
      ...(runKnown && v.runId ? { runId: v.runId } : {}),
      metrics: v.metrics,
      config: v.config,
      dataset: v.dataset,
      description: v.description ?? '',
      tags: v.tags ?? {},
    },
    {
      ...(typeof v.createdAt === 'string' ? { createdAt: v.createdAt } : {}),
      ...(m.run && m.run.id === v.runId ? { run: m.run } : {}),
      evaluations: m.evaluations.map((e) => ({
        at: e.at,
        dataset: e.dataset,
        metrics: e.metrics,
        reportSha256: e.reportSha256 ?? null,
      })),
      modelDescription: m.model.description ?? '',
      modelTags: m.model.tags ?? {},
    },
  );
  return {
    model: version.model,
    version: version.version,
    created,
    sourceVersion: v.version,
    files: Object.keys(m.files).length,
    bytes,
  };
}
