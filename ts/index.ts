/**
 * The `sentio` package's library entry (`import { openRegistry } from 'sentio'`).
 * Re-exports the public, typed APIs of each module; the CLI is `sentio` (bin).
 * @module
 */

import type { OpenOptions, Registry as RegistryApi } from './registry/index.js';
import { openRegistry } from './registry/index.js';

export { SentioError } from './errors/index.js';
// Registry, experiment tracking and artifacts.
export * from './registry/index.js';

/** The registry interface (type) and `Registry.open(dir)` (value), so `import { Registry } from 'sentio'` reads naturally. */
export type Registry = RegistryApi;
export const Registry = {
  open: (location: string, opts?: OpenOptions): Promise<RegistryApi> =>
    openRegistry(location, opts),
};
export { exampleCurl, type RunningServer, startServer } from './serve/index.js';
