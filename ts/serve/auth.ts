/**
 * API keys (prediction routes, optional) and the admin token (admin routes,
 * always required). Keys are kept only as sha256 digests: the key file may
 * hold `sha256:<hex>` lines (nothing secret on disk) or plain keys, hashed on
 * load. A presented credential is hashed and compared to every digest with
 * `crypto.timingSafeEqual`, without stopping at a match, so timing tells
 * nothing about which key or how much of it matched. Failures say only
 * "missing" (401) or "invalid" (403).
 *
 * Credentials travel as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { SentioError } from '../errors/index.js';

const HASHED = /^sha256:([0-9a-f]{64})$/i;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Parse a key file: one key per line; `#` comments and blank lines ignored. */
export function parseKeyFile(text: string, file = 'the API key file'): Buffer[] {
  const keys: Buffer[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = HASHED.exec(line);
    if (m !== null) keys.push(Buffer.from((m[1] as string).toLowerCase(), 'hex'));
    else if (/\s/.test(line) || line.length < 16) {
      throw new SentioError(
        'SERVE_BAD_OPTION',
        `${file}: a key must be "sha256:<64 hex>" or a plain key of at least 16 characters without spaces`,
      );
    } else keys.push(digest(line));
  }
  if (keys.length === 0) throw new SentioError('SERVE_BAD_OPTION', `${file} holds no keys`);
  return keys;
}

export function loadKeyFile(file: string): Buffer[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SentioError(
      'SERVE_BAD_OPTION',
      `cannot read the API key file ${file}: ${(e as Error).message}`,
    );
  }
  return parseKeyFile(text, file);
}

/** `sha256:<hex>` line for a key file (so operators never store the plain key). */
export function hashedKeyLine(key: string): string {
  return `sha256:${digest(key).toString('hex')}`;
}

/** The credential presented with a request, or null. */
export function presentedCredential(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer[ ]+(\S{1,512})\s*$/i.exec(auth);
    return m === null ? '' : (m[1] as string);
  }
  const key = headers['x-api-key'];
  if (typeof key === 'string') return key.length <= 512 ? key.trim() : '';
  return null;
}

/** Constant-time membership: every digest is compared, whatever matches. */
export function matchesAny(credential: string, digests: readonly Buffer[]): boolean {
  const d = digest(credential);
  let ok = false;
  for (const k of digests) ok = timingSafeEqual(d, k) || ok;
  return ok;
}

export const unauthorized = () => new SentioError('SERVE_UNAUTHORIZED', 'authentication required');
export const forbidden = () => new SentioError('SERVE_FORBIDDEN', 'invalid credentials');

export class Auth {
  private readonly adminDigest: Buffer[];

  constructor(
    private readonly apiKeys: Buffer[] | null,
    adminToken: string | null,
  ) {
    this.adminDigest = adminToken === null ? [] : [digest(adminToken)];
  }

  get apiKeysRequired(): boolean {
    return this.apiKeys !== null;
  }

  /** Throws 401/403 unless the request may predict. */
  checkApiKey(headers: IncomingHttpHeaders): void {
    if (this.apiKeys === null) return;
    const cred = presentedCredential(headers);
    if (cred === null) throw unauthorized();
    if (!matchesAny(cred, this.apiKeys)) throw forbidden();
  }

  /**
   * Who an admin request acts as, for the deployment history:
   * `token:<first 12 hex of sha256(token)>` (never the token itself).
   */
  adminId(headers: IncomingHttpHeaders): string {
    return `token:${digest(presentedCredential(headers) ?? '')
      .toString('hex')
      .slice(0, 12)}`;
  }

  /** Throws 401/403 unless the request carries the admin token (403 when none is configured). */
  checkAdmin(headers: IncomingHttpHeaders): void {
    const cred = presentedCredential(headers);
    if (cred === null) throw unauthorized();
    if (this.adminDigest.length === 0 || !matchesAny(cred, this.adminDigest)) throw forbidden();
  }
}
