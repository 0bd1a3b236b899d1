// Argument checks done before any binding call, so a wrong JS type gives the
// same INVALID_ARGUMENT error on every backend.
import { EngineError } from './errors.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', message);
}

export function checkString(v: unknown, name: string): string {
  if (typeof v !== 'string') throw invalid(`${name}: expected a string, got ${describe(v)}`);
  return v;
}

/** A plain array of strings, returned as a mutable array for the bindings. */
export function checkStrings(v: unknown, name: string): string[] {
  if (!Array.isArray(v)) throw invalid(`${name}: expected an array of strings, got ${describe(v)}`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'string')
      throw invalid(`${name}[${i}]: expected a string, got ${describe(v[i])}`);
  }
  return v as string[];
}

export function checkBytes(v: unknown, name: string): Uint8Array {
  if (!(v instanceof Uint8Array))
    throw invalid(`${name}: expected a Uint8Array, got ${describe(v)}`);
  return v;
}

/** A whole number >= 0 that fits in a u32. */
export function checkCount(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw invalid(`${name}: expected a whole number >= 0, got ${String(v)}`);
  }
  return v;
}

/** The config as the JSON the bindings take (values are checked by the core). */
export function configJson(config: unknown): string {
  if (config === undefined) return '{}';
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalid(`config: expected a TrainConfig object, got ${describe(config)}`);
  }
  return JSON.stringify(config);
}

/** Probabilities as a Float64Array (a copy only when given plain numbers). */
export function checkProbabilities(v: unknown, name: string): Float64Array {
  if (v instanceof Float64Array) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number'))
    return Float64Array.from(v as number[]);
  throw invalid(`${name}: expected a Float64Array or an array of numbers, got ${describe(v)}`);
}
