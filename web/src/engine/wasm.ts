/**
 * The engine in the page: bindings/wasm's ES module (wasm-bindgen
 * `--target web`), the same build Node's WASM backend loads. The .wasm is
 * compiled once and kept as a `WebAssembly.Module`, which the batch worker
 * receives by postMessage instead of fetching and compiling it again.
 * @module
 */
import { engineVersion, initSync, Model } from '@sentio/wasm';
import wasmUrl from '@sentio/wasm/sentio_wasm_bg.wasm?url';
import { WebError } from '../lib/errors';

export type { Explanation, Prediction } from '@sentio/wasm';
export { Model };

let compiled: Promise<WebAssembly.Module> | null = null;

/** Compile and instantiate the engine once; resolves to the compiled module. */
export function engineModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    try {
      const res = await fetch(wasmUrl);
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${wasmUrl}`);
      const mod = await WebAssembly.compile(await res.arrayBuffer());
      initSync({ module: mod });
      return mod;
    } catch (e) {
      compiled = null;
      throw new WebError('WEB_ENGINE', `the WASM engine could not start: ${(e as Error).message}`);
    }
  })();
  return compiled;
}

export async function loadModel(bytes: Uint8Array): Promise<Model> {
  await engineModule();
  try {
    return Model.fromBytes(bytes);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'MODEL';
    throw new WebError(
      'WEB_ENGINE',
      `the model file did not load (${code}): ${(e as Error).message}`,
    );
  }
}

export function wasmEngineVersion(): string {
  return engineVersion();
}
