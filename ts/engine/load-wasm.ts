// The WASM backend: bindings/wasm/pkg (wasm-bindgen --target web, an ES
// module), instantiated synchronously from the .wasm bytes read from disk.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { missingExports, type RawBinding } from './binding.js';
import { EngineError } from './errors.js';
import type { LoadedBinding } from './load-native.js';
import { packageRoot } from './root.js';

const ARTIFACT = 'sentio_wasm';

/** The generated module: the contract's exports plus wasm-bindgen's initSync. */
interface WasmPackage extends RawBinding {
  initSync(options: { module: BufferSource | WebAssembly.Module }): unknown;
}

function fail(what: string, file: string, err?: unknown): EngineError {
  const why = err === undefined ? '' : `: ${err instanceof Error ? err.message : String(err)}`;
  return new EngineError(
    'BACKEND_UNAVAILABLE',
    `the WASM engine could not be loaded (build it with \`node scripts/build-wasm.mjs\`): ${what} ${file}${why}`,
    { cause: err },
  );
}

export async function loadWasm(root: string = packageRoot()): Promise<LoadedBinding> {
  const pkg = path.join(root, 'bindings', 'wasm', 'pkg');
  const jsFile = path.join(pkg, `${ARTIFACT}.js`);
  const wasmFile = path.join(pkg, `${ARTIFACT}_bg.wasm`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(wasmFile);
  } catch (err) {
    throw fail('cannot read', wasmFile, err);
  }
  let mod: WasmPackage;
  try {
    mod = (await import(pathToFileURL(jsFile).href)) as WasmPackage;
  } catch (err) {
    throw fail('cannot import', jsFile, err);
  }
  if (typeof mod.initSync !== 'function') throw fail('no initSync export in', jsFile);
  try {
    // The object form; passing the bytes bare is deprecated. A no-op once initialised.
    mod.initSync({ module: bytes });
  } catch (err) {
    throw fail('cannot instantiate', wasmFile, err);
  }
  const missing = missingExports(mod, false);
  if (missing.length > 0) {
    throw fail(`stale or stub build, missing ${missing.join(', ')}, in`, jsFile);
  }
  return { binding: mod, path: wasmFile };
}
