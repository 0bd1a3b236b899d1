/**
 * Reading and writing a model's policy in the registry: files are parsed
 * (YAML, or JSON for `.json`), validated, checked against the declared
 * environments, and stored in canonical form with a `policy` event.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SentioError } from '../errors/index.js';
import type { PolicyRecord, Registry } from '../registry/index.js';
import { resolveWho } from './identity.js';
import { emptyPolicy, parsePolicy, policyDocument, policyEnvironments } from './policy.js';
import type { ModelPolicy, Who } from './types.js';

/** The model's policy (the empty policy when none is set). */
export async function getPolicy(reg: Registry, model: string): Promise<ModelPolicy> {
  await reg.getModel(model);
  const rec = await reg.getPolicy(model);
  return rec === null ? emptyPolicy() : parsePolicy(rec.policy, `stored policy of ${model}`);
}

export interface PolicyShow {
  model: string;
  policy: Record<string, unknown>;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The stored record in document form (for `policy show` and GET /policy). */
export async function showPolicy(reg: Registry, model: string): Promise<PolicyShow> {
  await reg.getModel(model);
  const rec = await reg.getPolicy(model);
  const policy =
    rec === null ? emptyPolicy() : parsePolicy(rec.policy, `stored policy of ${model}`);
  return {
    model,
    policy: policyDocument(policy),
    updatedAt: rec?.updatedAt ?? null,
    updatedBy: rec?.updatedBy ?? null,
  };
}

/** Validate `doc` (named `source` in errors) and store it. */
export async function setPolicy(
  reg: Registry,
  model: string,
  doc: unknown,
  opts: Who & { source?: string; reason?: string } = {},
): Promise<PolicyRecord> {
  await reg.getModel(model);
  const source = opts.source ?? 'policy';
  const policy = parsePolicy(doc, source);
  const known = new Set((await reg.listEnvironments()).map((e) => e.name));
  for (const env of policyEnvironments(policy)) {
    if (!known.has(env)) {
      throw new SentioError(
        'DEPLOY_BAD_POLICY',
        `${source}: environment "${env}" is not declared (known: ${[...known].join(', ')}; declare it with sentio env add ${env})`,
        { source, env },
      );
    }
  }
  return reg.setPolicy(model, policyDocument(policy), {
    who: resolveWho(opts),
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
  });
}

/** Parse a YAML or JSON file into a document (DEPLOY_BAD_POLICY when unreadable or malformed). */
export async function readPolicyFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SentioError('DEPLOY_BAD_POLICY', `${file}: cannot read: ${(e as Error).message}`, {
      source: file,
    });
  }
  const json = file.toLowerCase().endsWith('.json');
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SentioError(
      'DEPLOY_BAD_POLICY',
      `${file}: not valid ${json ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
      { source: file },
    );
  }
}

export async function setPolicyFromFile(
  reg: Registry,
  model: string,
  file: string,
  opts: Who & { reason?: string } = {},
): Promise<PolicyRecord> {
  const doc = await readPolicyFile(file);
  return setPolicy(reg, model, doc, { ...opts, source: file });
}

/** Back to the empty policy (no gates, no approvals, default thresholds). */
export function clearPolicy(
  reg: Registry,
  model: string,
  opts: Who & { reason?: string } = {},
): Promise<PolicyRecord> {
  return setPolicy(reg, model, {}, { ...opts, source: 'policy clear' });
}
