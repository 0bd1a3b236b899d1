/**
 * `sentio approve NAME@VERSION --env production`: one approval row. Whether
 * it counts is decided when someone moves the version (the approval gate):
 * an approval by the mover themself never does.
 * @module
 */
import type { ApprovalRecord, Registry } from '../registry/index.js';
import { requireEnv } from './environments.js';
import { resolveWho } from './identity.js';
import type { Who } from './types.js';

export interface ApproveOptions extends Who {
  /** NAME@VERSION or NAME@ALIAS. */
  ref: string;
  /** Default production. */
  env?: string;
  note?: string;
}

export async function approve(reg: Registry, opts: ApproveOptions): Promise<ApprovalRecord> {
  const env = opts.env ?? 'production';
  await requireEnv(reg, env);
  const v = await reg.resolve(opts.ref);
  return reg.recordApproval(v.model, v.version, env, {
    approvedBy: resolveWho(opts),
    ...(opts.note !== undefined ? { note: opts.note } : {}),
  });
}
