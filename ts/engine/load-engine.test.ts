// loadEngine: backend choice (option, SENTIO_ENGINE), fallback from native to
// WASM with the reason kept, and the error listing every path tried. Broken
// installs are simulated with throwaway package roots holding a copy of the
// compiled engine (dist/engine) next to fake or missing bindings.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EngineError, loadEngine, packageRoot } from './index.js';
import { skipReason } from './test-support/backends.js';

type EngineModule = typeof import('./index.js');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = packageRoot();

/** A fake package root: package.json, a copy of this compiled engine, and what `setup` adds. */
function fakeRoot(base: string, name: string, setup: (dir: string) => void): string {
  const dir = path.join(base, name);
  fs.mkdirSync(path.join(dir, 'bindings', 'node'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'sentio', type: 'module' }),
  );
  fs.cpSync(here, path.join(dir, 'dist', 'engine'), {
    recursive: true,
    filter: (src) => !src.endsWith('.test.js') && !src.includes('test-support'),
  });
  setup(dir);
  return dir;
}

function copyWasm(dir: string): void {
  fs.cpSync(path.join(root, 'bindings', 'wasm', 'pkg'), path.join(dir, 'bindings', 'wasm', 'pkg'), {
    recursive: true,
  });
  fs.writeFileSync(
    path.join(dir, 'bindings', 'wasm', 'package.json'),
    JSON.stringify({ type: 'module' }),
  );
}

async function importEngine(dir: string): Promise<EngineModule> {
  return (await import(
    pathToFileURL(path.join(dir, 'dist', 'engine', 'index.js')).href
  )) as EngineModule;
}

async function withEnv<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('loadEngine', () => {
  let base: string;

  before(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-load-'));
  });

  after(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('finds the package root from dist/ and from ts/', () => {
    assert.ok(fs.existsSync(path.join(root, 'bindings', 'node')));
    assert.equal(
      packageRoot(pathToFileURL(path.join(root, 'ts', 'engine', 'index.ts')).href),
      root,
    );
    assert.equal(packageRoot(path.join(root, 'dist', 'engine', 'index.js')), root);
    assert.throws(
      () => packageRoot(path.join(os.tmpdir(), 'x', 'y.js')),
      (e: unknown) => e instanceof EngineError && e.code === 'BACKEND_UNAVAILABLE',
    );
  });

  it('defaults to native (no fallback reason)', { skip: skipReason('native') }, async () => {
    const engine = await withEnv({ SENTIO_ENGINE: undefined }, () => loadEngine());
    assert.equal(engine.backend, 'native');
    assert.equal(engine.fallbackReason, null);
  });

  it('honours SENTIO_ENGINE, and the option over it', { skip: skipReason('wasm') }, async () => {
    const wasm = await withEnv({ SENTIO_ENGINE: 'wasm' }, () => loadEngine());
    assert.equal(wasm.backend, 'wasm');
    assert.equal(wasm.fallbackReason, null);
    const forced = await withEnv({ SENTIO_ENGINE: 'wasm' }, () => loadEngine({ backend: 'wasm' }));
    assert.equal(forced.backend, 'wasm');
    if (!skipReason('native')) {
      const native = await withEnv({ SENTIO_ENGINE: 'wasm' }, () =>
        loadEngine({ backend: 'native' }),
      );
      assert.equal(native.backend, 'native');
      const envNative = await withEnv({ SENTIO_ENGINE: ' Native ' }, () => loadEngine());
      assert.equal(envNative.backend, 'native');
    }
    await assert.rejects(
      withEnv({ SENTIO_ENGINE: 'gpu' }, () => loadEngine()),
      (e: unknown) =>
        e instanceof EngineError &&
        e.code === 'INVALID_ARGUMENT' &&
        /SENTIO_ENGINE/.test(e.message),
    );
    await assert.rejects(
      loadEngine({ backend: 'gpu' as 'wasm' }),
      (e: unknown) => e instanceof EngineError && e.code === 'INVALID_ARGUMENT',
    );
  });

  it('falls back to WASM when the native addon is missing or broken, and says why', {
    skip: skipReason('wasm'),
  }, async () => {
    const dir = fakeRoot(base, 'broken-native', (d) => {
      copyWasm(d);
      const node = path.join(d, 'bindings', 'node');
      fs.writeFileSync(
        path.join(node, 'index.js'),
        "throw new Error('simulated loader failure');\n",
      );
      fs.writeFileSync(path.join(node, 'sentio.linux-x64-gnu.node'), 'this is not a shared object');
      fs.writeFileSync(path.join(d, 'stub.cjs'), "exports.engineVersion = () => '0.0.0';\n");
    });
    const mod = await importEngine(dir);
    const stub = path.join(dir, 'stub.cjs');
    await withEnv({ SENTIO_ENGINE: undefined, SENTIO_NATIVE_ADDON: stub }, async () => {
      const engine = await mod.loadEngine();
      assert.equal(engine.backend, 'wasm');
      assert.equal(engine.source, path.join(dir, 'bindings', 'wasm', 'pkg', 'sentio_wasm_bg.wasm'));
      const reason = engine.fallbackReason ?? '';
      assert.match(reason, /simulated loader failure/);
      assert.ok(reason.includes(path.join(dir, 'bindings', 'node', 'index.js')), reason);
      assert.ok(
        reason.includes(path.join(dir, 'bindings', 'node', 'sentio.linux-x64-gnu.node')),
        reason,
      );
      assert.ok(reason.includes(stub) && /lacks the engine API.*Model/.test(reason), reason);
      // The fallback engine works.
      const model = await engine.train({}, ['good movie', 'bad movie'], ['pos', 'neg']);
      assert.equal(model.predict('good').label, 'pos');

      // Forcing native throws, listing every path tried and why.
      await assert.rejects(mod.loadEngine({ backend: 'native' }), (e: unknown) => {
        assert.ok(e instanceof mod.EngineError);
        assert.equal(e.code, 'BACKEND_UNAVAILABLE');
        const lines = e.message.split('\n').filter((l) => l.startsWith('  - '));
        assert.equal(lines.length, 3, e.message);
        assert.match(lines[0] as string, /stub\.cjs: loaded, but it lacks the engine API/);
        assert.match(lines[1] as string, /index\.js: simulated loader failure/);
        assert.match(lines[2] as string, /sentio\.linux-x64-gnu\.node: .+/);
        return true;
      });
    });
  });

  it('reports a missing native addon and a missing WASM package', async () => {
    const dir = fakeRoot(base, 'nothing-built', () => {});
    const mod = await importEngine(dir);
    await withEnv({ SENTIO_ENGINE: undefined, SENTIO_NATIVE_ADDON: undefined }, async () => {
      await assert.rejects(mod.loadEngine({ backend: 'native' }), (e: unknown) => {
        assert.ok(e instanceof mod.EngineError && e.code === 'BACKEND_UNAVAILABLE');
        assert.match(e.message, /index\.js: no such file/);
        assert.match(e.message, /\.node: no such file/);
        return true;
      });
      await assert.rejects(mod.loadEngine({ backend: 'wasm' }), (e: unknown) => {
        assert.ok(e instanceof mod.EngineError && e.code === 'BACKEND_UNAVAILABLE');
        assert.match(e.message, /sentio_wasm_bg\.wasm/);
        return true;
      });
      await assert.rejects(mod.loadEngine(), (e: unknown) => {
        assert.ok(e instanceof mod.EngineError && e.code === 'BACKEND_UNAVAILABLE');
        assert.match(e.message, /native engine could not be loaded/);
        assert.match(e.message, /WASM engine could not be loaded/);
        return true;
      });
    });
  });
});
