// Sentio's engine for TypeScript: one typed API over the native addon
// (napi-rs, bindings/node) and the WASM package (bindings/wasm). This module
// and its siblings are the only code that loads the bindings.
//
//   const engine = await loadEngine();            // native, else WASM
//   const model = await engine.train({ ngram_range: [1, 2] }, texts, labels);
//   model.predict("loved it").label;
//
// Backend choice: options.backend, else env SENTIO_ENGINE=native|wasm, else
// native with a fallback to WASM (engine.fallbackReason says why).
import { BoundEngine } from './engine.js';
import { EngineError } from './errors.js';
import { type LoadedBinding, loadNative } from './load-native.js';
import { loadWasm } from './load-wasm.js';
import type { Backend, Engine, LoadEngineOptions } from './types.js';

export { ENGINE_ERROR_CODES, EngineError, isEngineError, isEngineErrorCode } from './errors.js';
export { nativeCandidates } from './load-native.js';
export { packageRoot } from './root.js';
export type * from './types.js';

const BACKENDS: readonly Backend[] = ['native', 'wasm'];

/** The backend asked for, or undefined for "native, falling back to WASM". */
function requestedBackend(options: LoadEngineOptions): Backend | undefined {
  if (options.backend !== undefined) {
    if (!BACKENDS.includes(options.backend)) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        `backend: expected "native" or "wasm", got ${String(options.backend)}`,
      );
    }
    return options.backend;
  }
  const env = process.env.SENTIO_ENGINE?.trim().toLowerCase();
  if (env === undefined || env === '' || env === 'auto') return undefined;
  if (env === 'native' || env === 'wasm') return env;
  throw new EngineError(
    'INVALID_ARGUMENT',
    `SENTIO_ENGINE: expected "native", "wasm" or "auto", got "${env}"`,
  );
}

// Loaded bindings, per backend, for the life of the process (or worker).
const loaded = new Map<Backend, Promise<LoadedBinding>>();

function load(backend: Backend): Promise<LoadedBinding> {
  let p = loaded.get(backend);
  if (p === undefined) {
    p = backend === 'native' ? new Promise((resolve) => resolve(loadNative())) : loadWasm();
    loaded.set(backend, p);
    // Do not cache failures: a later call may find a freshly built binding.
    p.catch(() => loaded.delete(backend));
  }
  return p;
}

export async function loadEngine(options: LoadEngineOptions = {}): Promise<Engine> {
  const backend = requestedBackend(options);
  if (backend !== undefined) {
    const { binding, path } = await load(backend);
    return new BoundEngine(binding, backend, path, null);
  }
  let fallbackReason: string;
  try {
    const { binding, path } = await load('native');
    return new BoundEngine(binding, 'native', path, null);
  } catch (err) {
    fallbackReason = err instanceof Error ? err.message : String(err);
  }
  try {
    const { binding, path } = await load('wasm');
    return new BoundEngine(binding, 'wasm', path, fallbackReason);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new EngineError(
      'BACKEND_UNAVAILABLE',
      `no engine backend could be loaded.\n${fallbackReason}\n${why}`,
      {
        cause: err,
      },
    );
  }
}
