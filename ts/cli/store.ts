/**
 * Which store a command uses, decided once for every command:
 * `--store LOCATION`, else env `SENTIO_STORE`, else `SENTIO_HOME`, else
 * `./models`. A location is a directory (SQLite) or a `postgres://` URL.
 *
 * Commands that write new things (train, import, eval) create a missing
 * store; commands that only read, or change existing entries, fail with
 * REGISTRY_STORE_NOT_FOUND instead of silently creating an empty one.
 * @module
 */
import path from 'node:path';
import type { Command } from 'commander';
import { openRegistry as openStoreAt, type Registry } from '../registry/index.js';

export interface StoreOptions {
  store?: string;
}

export const DEFAULT_STORE_DIR = 'models';

/** Store location from `--store`, SENTIO_STORE, SENTIO_HOME or ./models (directories made absolute). */
export function resolveStoreDir(opts: StoreOptions = {}): string {
  const given =
    opts.store?.trim() ||
    process.env.SENTIO_STORE?.trim() ||
    process.env.SENTIO_HOME?.trim() ||
    DEFAULT_STORE_DIR;
  // URLs (postgres://…) pass through untouched.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : path.resolve(given);
}

/**
 * How a command uses the store: `write` creates it when missing (default),
 * `update` changes existing entries (must exist), `read` only reads (must exist).
 */
export type StoreAccess = 'read' | 'update' | 'write';

export function openRegistry(
  opts: StoreOptions = {},
  access: StoreAccess = 'write',
): Promise<Registry> {
  const dir = resolveStoreDir(opts);
  if (access === 'read') return openStoreAt(dir, { readonly: true });
  return openStoreAt(dir, { create: access === 'write' });
}

/** Open, run, always close. */
export async function withRegistry<T>(
  opts: StoreOptions,
  access: StoreAccess,
  fn: (reg: Registry) => Promise<T>,
): Promise<T> {
  const reg = await openRegistry(opts, access);
  try {
    return await fn(reg);
  } finally {
    await reg.close();
  }
}

/** Add the shared `--store DIR` option to a command. */
export function storeOption(cmd: Command): Command {
  return cmd.option(
    '--store <location>',
    'store directory or postgres:// URL (default: $SENTIO_STORE, else $SENTIO_HOME, else ./models)',
  );
}
