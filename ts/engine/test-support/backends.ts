// Which backends the tests run against. Default: both, and a backend that
// fails to load fails its tests. SENTIO_TEST_BACKENDS=wasm (or native) narrows
// the set explicitly; the excluded suites then report as skipped, with the reason.
import { type Backend, type Engine, loadEngine } from '../index.js';

const ALL: readonly Backend[] = ['native', 'wasm'];

export function testedBackends(): Backend[] {
  const env = process.env.SENTIO_TEST_BACKENDS?.trim();
  if (!env) return [...ALL];
  const list = env.split(',').map((s) => s.trim());
  for (const b of list) {
    if (!ALL.includes(b as Backend))
      throw new Error(`SENTIO_TEST_BACKENDS: unknown backend "${b}"`);
  }
  return list as Backend[];
}

/** `false` when the backend is tested, else the skip reason. */
export function skipReason(backend: Backend): string | false {
  return testedBackends().includes(backend)
    ? false
    : `SENTIO_TEST_BACKENDS=${process.env.SENTIO_TEST_BACKENDS} excludes ${backend}`;
}

export function loader(backend: Backend): () => Promise<Engine> {
  return () => loadEngine({ backend });
}
