/**
 * The non-metric gates: the model file verifies (checksum), it scores the
 * same through the native and the WASM engine (parity), and someone other
 * than the mover approved it (approval). Each returns a GateResult instead
 * of throwing, so a refused move can report every gate at once.
 * @module
 */
import { type Engine, type EngineModel, loadEngine } from '../engine/index.js';
import type { ApprovalRecord, Registry, VersionRecord } from '../registry/index.js';
import { DEMO_TEXTS, sampleDataset } from '../train/index.js';
import { personOf, samePerson } from './identity.js';
import type { GateResult } from './types.js';

function why(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' ? `${code}: ${msg}` : msg;
}

export interface ChecksumOutcome {
  gate: GateResult;
  /** The verified model file (null when it failed). */
  bytes: Uint8Array | null;
}

/**
 * The store re-hashes the file against its sha256 (ARTIFACT_CORRUPT /
 * ARTIFACT_MISSING otherwise) and the engine loads it, which checks the
 * file's own embedded checksum.
 */
export async function checksumGate(
  reg: Registry,
  engine: Engine,
  v: VersionRecord,
): Promise<ChecksumOutcome> {
  const base = {
    name: 'checksum',
    kind: 'checksum' as const,
    source: null,
    value: null,
    required: null,
    baseline: null,
    blocking: true,
  };
  let bytes: Uint8Array;
  try {
    bytes = await reg.artifacts.get(v.modelSha256);
  } catch (e) {
    return {
      gate: { ...base, passed: false, message: `v${v.version} model file: ${why(e)}` },
      bytes: null,
    };
  }
  let model: EngineModel | undefined;
  try {
    model = engine.loadModel(bytes);
  } catch (e) {
    return {
      gate: {
        ...base,
        passed: false,
        message: `v${v.version} model file (sha256 ${v.modelSha256.slice(0, 12)}) does not load: ${why(e)}`,
      },
      bytes: null,
    };
  } finally {
    model?.dispose();
  }
  return {
    gate: {
      ...base,
      passed: true,
      message: `sha256 ${v.modelSha256.slice(0, 12)} verified (${bytes.length} bytes) and the engine loaded it`,
    },
    bytes,
  };
}

export const PARITY_SAMPLE_SIZE = 200;

/** The fixed parity sample: the first 200 gate-data texts, else the built-in sample texts. */
export function paritySample(gateTexts?: readonly string[]): string[] {
  if (gateTexts && gateTexts.length > 0) return gateTexts.slice(0, PARITY_SAMPLE_SIZE);
  return [...DEMO_TEXTS, ...sampleDataset().map((t) => t.text)].slice(0, PARITY_SAMPLE_SIZE);
}

/**
 * Load the file through both engines and compare every probability bit for
 * bit (the engine is deterministic across backends). value = probabilities
 * that differ, required = 0; the message gives the largest |difference|.
 */
export async function parityGate(
  bytes: Uint8Array,
  texts: readonly string[],
  blocking: boolean,
): Promise<GateResult> {
  const base = {
    name: 'parity',
    kind: 'parity' as const,
    source: null,
    required: 0,
    baseline: null,
    blocking,
  };
  let native: Engine;
  let wasm: Engine;
  try {
    [native, wasm] = await Promise.all([
      loadEngine({ backend: 'native' }),
      loadEngine({ backend: 'wasm' }),
    ]);
  } catch (e) {
    return {
      ...base,
      passed: false,
      value: null,
      message: `cannot compare: an engine backend is unavailable (${why(e)})`,
    };
  }
  let a: EngineModel | undefined;
  let b: EngineModel | undefined;
  try {
    a = native.loadModel(bytes);
    b = wasm.loadModel(bytes);
    const pa = a.predictBatch(texts);
    const pb = b.predictBatch(texts);
    let differ = 0;
    let worst = 0;
    const n = Math.max(pa.probabilities.length, pb.probabilities.length);
    for (let i = 0; i < n; i++) {
      const x = pa.probabilities[i];
      const y = pb.probabilities[i];
      if (x === undefined || y === undefined || !Object.is(x, y)) {
        differ++;
        if (x !== undefined && y !== undefined) worst = Math.max(worst, Math.abs(x - y));
      }
    }
    const what = `${texts.length} texts × ${a.classes.length} classes`;
    return {
      ...base,
      passed: differ === 0,
      value: differ,
      message:
        differ === 0
          ? `native and WASM scores identical on ${what}`
          : `native and WASM differ on ${differ} of ${n} probabilities (${what}; largest |difference| ${worst.toExponential(2)}), required 0`,
    };
  } catch (e) {
    return { ...base, passed: false, value: null, message: `scoring failed: ${why(e)}` };
  } finally {
    a?.dispose();
    b?.dispose();
  }
}

/** Approvals of this version for this environment by anyone but the mover. */
export function approvalGate(
  approvals: readonly ApprovalRecord[],
  model: string,
  version: number,
  env: string,
  mover: string,
): GateResult {
  const forEnv = approvals.filter((a) => a.version === version && a.env === env);
  const valid = forEnv.filter((a) => !samePerson(a.approvedBy, mover));
  const self = forEnv.length - valid.length;
  const by = [...new Set(valid.map((a) => a.approvedBy))];
  const passed = valid.length > 0;
  return {
    name: 'approval',
    kind: 'approval',
    source: null,
    passed,
    value: valid.length,
    required: 1,
    baseline: null,
    blocking: true,
    message: passed
      ? `approved for ${env} by ${by.join(', ')}`
      : `v${version} has 0 approvals for ${env} by someone other than ${personOf(mover)}, required 1${self > 0 ? ` (${self} by ${personOf(mover)} themself, which do not count)` : ''}: run sentio approve ${model}@${version} --env ${env} as another user`,
  };
}
