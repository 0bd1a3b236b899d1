/**
 * The registry's errors, built in one place so every backend reports the
 * same code and wording for the same situation.
 * @module
 */
import { SentioError } from '../errors/index.js';

export const notFound = {
  model: (name: string) =>
    new SentioError('REGISTRY_NOT_FOUND', `model "${name}" is not registered`, { model: name }),
  version: (name: string, version: number) =>
    new SentioError('REGISTRY_NOT_FOUND', `model "${name}" has no version ${version}`, {
      model: name,
      version,
    }),
  noVersions: (name: string) =>
    new SentioError('REGISTRY_NOT_FOUND', `model "${name}" has no versions yet`, { model: name }),
  alias: (name: string, alias: string) =>
    new SentioError('REGISTRY_NOT_FOUND', `model "${name}" has no alias "${alias}"`, {
      model: name,
      alias,
    }),
  run: (id: string) => new SentioError('REGISTRY_NOT_FOUND', `no run "${id}"`, { run: id }),
};

export function invalid(message: string, details?: Record<string, unknown>): SentioError {
  return new SentioError('REGISTRY_INVALID', message, details);
}

export function conflict(message: string, details?: Record<string, unknown>): SentioError {
  return new SentioError('REGISTRY_CONFLICT', message, details);
}

export function badRef(ref: string, why: string): SentioError {
  return new SentioError(
    'REGISTRY_BAD_REF',
    `bad model reference "${ref}": ${why} (expected NAME, NAME@VERSION, NAME@latest or NAME@ALIAS)`,
    { ref },
  );
}

export function artifactMissing(sha256: string, where?: string): SentioError {
  return new SentioError(
    'ARTIFACT_MISSING',
    `artifact ${sha256} is not in the store${where ? ` (${where})` : ''}`,
    { sha256 },
  );
}

export function artifactCorrupt(sha256: string, actual: string, path: string): SentioError {
  return new SentioError(
    'ARTIFACT_CORRUPT',
    `artifact ${sha256} is corrupt: its content hashes to ${actual} (${path}); ` +
      'restore it from an export or re-register the version',
    { sha256, actual, path },
  );
}
