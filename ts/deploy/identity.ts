/**
 * Who acts: the caller's `who` (server routes pass `token:<id>`), else
 * `user@host` (env SENTIO_USER overrides the user). Two "who" strings are
 * the same person when their user parts match — alice approving on her
 * laptop and promoting from a CI host as alice is still self-approval.
 * @module
 */
import { whoAmI } from '../registry/index.js';
import type { Who } from './types.js';

export function resolveWho(opts: Who): string {
  const w = opts.who?.trim();
  return w ? w : whoAmI();
}

/** The person behind a "who": `user` of `user@host`; tokens and other forms as they are. */
export function personOf(who: string): string {
  if (who.startsWith('token:') || who.startsWith('server:')) return who;
  const at = who.lastIndexOf('@');
  return at > 0 ? who.slice(0, at) : who;
}

export function samePerson(a: string, b: string): boolean {
  return personOf(a) === personOf(b);
}
