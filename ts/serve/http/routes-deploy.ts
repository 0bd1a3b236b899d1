/**
 * Deployment admin routes: the same operations as `sentio deploy | promote |
 * rollback | approve | canary | shadow | history | policy`, through the same
 * ts/deploy functions (one implementation, two front ends), behind the admin
 * token. The caller is recorded as `token:<first 12 hex of sha256(token)>`,
 * so the history says which token moved what without storing the token.
 *
 * Bodies mirror the CLI flags (camelCase); unknown fields are refused with
 * DEPLOY_BAD_OPTION naming the field. Errors are the CLI's: a failing gate
 * is 409 DEPLOY_GATE_FAILED with every gate result in `error.details.gates`
 * and production unchanged. After a change this server re-reads the store at
 * once instead of waiting for its next poll.
 *
 * `gateData` names a labelled file on the server's host (as `--gate-data`
 * does on the CLI's).
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  approve,
  canaryPromote,
  canaryStart,
  canaryStatus,
  canaryStop,
  deploy,
  history,
  promote,
  type RolloutThresholds,
  rollback,
  shadowReport,
  shadowStart,
  shadowStop,
  showPolicy,
  validateThresholds,
} from '../../deploy/index.js';
import { SentioError } from '../../errors/index.js';
import type { Registry } from '../../registry/index.js';
import type { ServerContext } from '../context.js';
import { requireAdmin } from './auth-hooks.js';

type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'version' | 'object';
type Fields = Record<string, FieldType>;
type Body = Record<string, unknown>;

function badOption(message: string, field?: string): SentioError {
  return new SentioError('DEPLOY_BAD_OPTION', message, field ? { field } : undefined);
}

function typeOk(t: FieldType, v: unknown): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string' && v.trim() !== '' && v.length <= 4096;
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'version':
      return (
        (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) ||
        (typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(v))
      );
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
  }
}

const WANT: Record<FieldType, string> = {
  string: 'a non-empty string',
  integer: 'a whole number ≥ 1',
  number: 'a number',
  boolean: 'true or false',
  version: 'a version number or an alias name',
  object: 'an object',
};

/** The body's fields, checked against `fields`; `required` must be present. */
export function checkBody(body: unknown, fields: Fields, required: string[] = []): Body {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw badOption('the body must be a JSON object');
  }
  const b = body as Body;
  for (const [k, v] of Object.entries(b)) {
    const t = fields[k];
    if (t === undefined) {
      const known = Object.keys(fields);
      throw badOption(
        `unknown field "${k.slice(0, 64)}" (expected ${known.length > 0 ? known.join(', ') : 'no fields'})`,
        k,
      );
    }
    if (v !== undefined && !typeOk(t, v)) {
      throw badOption(`${k} must be ${WANT[t]}, got ${JSON.stringify(v)?.slice(0, 64)}`, k);
    }
  }
  for (const k of required) {
    if (b[k] === undefined)
      throw badOption(`missing field: ${k} (${WANT[fields[k] ?? 'string']})`, k);
  }
  return b;
}

/**
 * The optional fields that were given, to spread into a ts/deploy options
 * object. Their values were checked by `checkBody` against the route's
 * field types; `never` lets them fit the options' declared types.
 */
function pick<K extends string>(b: Body, ...keys: K[]): Partial<Record<K, never>> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (b[k] !== undefined) out[k] = b[k];
  return out as Partial<Record<K, never>>;
}

function thresholdsOf(b: Body): { thresholds?: Partial<RolloutThresholds> } {
  if (b.thresholds === undefined) return {};
  return { thresholds: validateThresholds(b.thresholds, 'DEPLOY_BAD_OPTION', 'thresholds') };
}

type Params = { Params: { name: string }; Querystring: Record<string, string | undefined> };

export function registerDeployRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const admin = { onRequest: requireAdmin(ctx) };
  const who = (req: FastifyRequest) => ctx.auth.adminId(req.headers);
  const writer = () => ctx.writer.get();
  /** After a change: follow it here now, not at the next poll. */
  const follow = async <T>(p: Promise<T>): Promise<T> => {
    const out = await p;
    await ctx.watcher.pollNow().catch(() => {});
    return out;
  };
  const logged = (req: FastifyRequest, action: string, extra: Record<string, unknown> = {}) =>
    req.log.info(
      { event: 'admin_deploy', action, model: (req.params as { name: string }).name, ...extra },
      `admin ${action} on ${(req.params as { name: string }).name}`,
    );
  const ref = (name: string, v: unknown) => `${name}@${String(v)}`;

  const post = (
    path: string,
    fields: Fields,
    required: string[],
    run: (reg: Registry, name: string, b: Body, who: string) => Promise<unknown>,
  ) => {
    app.post<Params>(`/v1/admin/models/:name${path}`, admin, async (req) => {
      const b = checkBody(req.body, fields, required);
      const id = who(req);
      logged(req, path.slice(1).replace('/', '_'), { who: id });
      return follow(run(await writer(), req.params.name, b, id));
    });
  };

  const gate: Fields = { reason: 'string', force: 'boolean', gateData: 'string' };

  post(
    '/deploy',
    { version: 'version', env: 'string', ...gate },
    ['version', 'env'],
    (reg, n, b, w) =>
      deploy(reg, ctx.engine, {
        ref: ref(n, b.version),
        env: b.env as string,
        who: w,
        ...pick(b, 'reason', 'force', 'gateData'),
      }),
  );
  post('/promote', { from: 'string', to: 'string', ...gate }, [], (reg, n, b, w) =>
    promote(reg, ctx.engine, {
      model: n,
      who: w,
      ...pick(b, 'from', 'to', 'reason', 'force', 'gateData'),
    }),
  );
  post('/rollback', { env: 'string', to: 'integer', reason: 'string' }, ['env'], (reg, n, b, w) =>
    rollback(reg, { model: n, env: b.env as string, who: w, ...pick(b, 'to', 'reason') }),
  );
  post(
    '/approve',
    { version: 'version', env: 'string', note: 'string' },
    ['version'],
    (reg, n, b, w) => approve(reg, { ref: ref(n, b.version), who: w, ...pick(b, 'env', 'note') }),
  );
  const startFields: Fields = {
    version: 'version',
    env: 'string',
    percent: 'number',
    thresholds: 'object',
    reason: 'string',
  };
  const stopFields: Fields = { env: 'string', reason: 'string' };
  const env = (b: Body) => (b.env as string | undefined) ?? 'production';
  post('/canary', startFields, ['version', 'percent'], (reg, n, b, w) =>
    canaryStart(reg, {
      ref: ref(n, b.version),
      env: env(b),
      who: w,
      ...pick(b, 'percent', 'reason'),
      ...thresholdsOf(b),
    }),
  );
  post('/canary/stop', stopFields, [], (reg, n, b, w) =>
    canaryStop(reg, { model: n, env: env(b), who: w, ...pick(b, 'reason') }),
  );
  post('/canary/promote', { env: 'string', ...gate }, [], (reg, n, b, w) =>
    canaryPromote(reg, ctx.engine, {
      model: n,
      env: env(b),
      who: w,
      ...pick(b, 'reason', 'force', 'gateData'),
    }),
  );
  post('/shadow', startFields, ['version'], (reg, n, b, w) =>
    shadowStart(reg, {
      ref: ref(n, b.version),
      env: env(b),
      who: w,
      ...pick(b, 'percent', 'reason'),
      ...thresholdsOf(b),
    }),
  );
  post('/shadow/stop', stopFields, [], (reg, n, b, w) =>
    shadowStop(reg, { model: n, env: env(b), who: w, ...pick(b, 'reason') }),
  );

  const query = (q: Record<string, string | undefined>, allowed: string[]) => {
    for (const k of Object.keys(q)) {
      if (!allowed.includes(k)) {
        throw badOption(
          `unknown query parameter "${k.slice(0, 64)}" (expected ${allowed.join(', ') || 'none'})`,
          k,
        );
      }
    }
    return q;
  };
  app.get<Params>('/v1/admin/models/:name/history', admin, async (req) => {
    const q = query(req.query, ['env', 'at']);
    return history(ctx.registry, {
      model: req.params.name,
      ...(q.env !== undefined ? { env: q.env } : {}),
      ...(q.at !== undefined ? { at: q.at } : {}),
    });
  });
  const report = (fn: typeof canaryStatus) => async (req: FastifyRequest<Params>) => {
    const q = query(req.query, ['env']);
    // This instance's latest counters first, so the report includes every answer so far.
    await ctx.rollouts.flushNow();
    return fn(ctx.registry, { model: req.params.name, env: q.env ?? 'production' });
  };
  app.get<Params>('/v1/admin/models/:name/canary', admin, report(canaryStatus));
  app.get<Params>('/v1/admin/models/:name/shadow', admin, report(shadowReport));
  app.get<Params>('/v1/admin/models/:name/policy', admin, async (req) => {
    query(req.query, []);
    return showPolicy(ctx.registry, req.params.name);
  });
}
