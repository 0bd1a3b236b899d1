/**
 * Environments as ts/deploy uses them: declared names (staging and
 * production built in) that are also alias names. Every entry point checks
 * the name first, so a typo like `prodcution` is DEPLOY_UNKNOWN_ENV with the
 * list of known ones, not a new alias nobody serves.
 * @module
 */
import { SentioError } from '../errors/index.js';
import type { EnvironmentRecord, Registry } from '../registry/index.js';

export async function requireEnv(reg: Registry, env: string): Promise<EnvironmentRecord> {
  const all = await reg.listEnvironments();
  const found = all.find((e) => e.name === env);
  if (found) return found;
  throw new SentioError(
    'DEPLOY_UNKNOWN_ENV',
    `unknown environment "${env}" (known: ${all.map((e) => e.name).join(', ')}; declare it with sentio env add ${env})`,
    { env, known: all.map((e) => e.name) },
  );
}

/** The version an environment of a model points at now (null: nowhere). */
export async function envVersion(
  reg: Registry,
  model: string,
  env: string,
): Promise<number | null> {
  const m = await reg.getModel(model);
  return m.aliases[env] ?? null;
}

export function listEnvironments(reg: Registry): Promise<EnvironmentRecord[]> {
  return reg.listEnvironments();
}

export function addEnvironment(
  reg: Registry,
  name: string,
  description?: string,
): Promise<EnvironmentRecord> {
  return reg.addEnvironment(name, description);
}

export async function removeEnvironment(reg: Registry, name: string): Promise<void> {
  await requireEnv(reg, name);
  await reg.removeEnvironment(name);
}
