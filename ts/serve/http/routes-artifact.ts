/**
 * Model files for browsers (the playground predicts with WASM, offline):
 *
 * - `GET /v1/artifacts/{sha256}`: the bytes of a registered model file,
 *   content-addressed, so they never change: `ETag: "<sha256>"`,
 *   `Cache-Control: public, max-age=31536000, immutable`, 304 on a match.
 *   Only model files are served (model-shas.ts), and they are verified
 *   against their hash on every read, as everything in the artifact store.
 * - `GET /v1/models/{name}/artifact[?version=N|alias=A]`: which file that
 *   is now: a 302 to the by-hash URL with a short cache (`no-cache`), plus
 *   `X-Sentio-Model-Version` and `X-Sentio-Sha256`. Without a query it is
 *   the version the model's first served reference answers with (what
 *   `POST …/predict` uses by default), else the latest registered version.
 *
 * Both need an API key when the server has them, like the prediction routes.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { SentioError } from '../../errors/index.js';
import type { VersionRecord } from '../../registry/index.js';
import type { ServerContext } from '../context.js';
import { requireApiKey } from './auth-hooks.js';
import { ModelShas } from './model-shas.js';
import { IMMUTABLE } from './web-headers.js';

const SHA256 = /^[0-9a-f]{64}$/;

export const artifactUrl = (sha256: string) => `/v1/artifacts/${sha256}`;

type Query = { version?: string; alias?: string };

function badQuery(message: string): SentioError {
  return new SentioError('SERVE_INVALID_REQUEST', message);
}

async function pick(ctx: ServerContext, name: string, q: Query): Promise<VersionRecord> {
  for (const k of Object.keys(q)) {
    if (k !== 'version' && k !== 'alias') {
      throw badQuery(`unknown query parameter "${k.slice(0, 64)}" (expected version or alias)`);
    }
  }
  if (q.version !== undefined && q.alias !== undefined) {
    throw badQuery('give version or alias, not both');
  }
  if (q.version !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(q.version)) throw badQuery('version must be a whole number ≥ 1');
    return ctx.registry.getVersion(name, Number(q.version));
  }
  if (q.alias !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(q.alias))
      throw badQuery('alias is not an alias name');
    return ctx.registry.resolve(`${name}@${q.alias}`);
  }
  const served = ctx.catalog.slotsOf(name)?.[0]?.current;
  if (served) return ctx.registry.getVersion(name, served.version);
  return ctx.registry.resolve(name);
}

export function registerArtifactRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const opts = ctx.auth.apiKeysRequired ? { onRequest: requireApiKey(ctx) } : {};
  const shas = new ModelShas(ctx.registry);

  app.get<{ Params: { name: string }; Querystring: Query }>(
    '/v1/models/:name/artifact',
    opts,
    async (req, reply) => {
      const v = await pick(ctx, req.params.name, req.query);
      return reply
        .code(302)
        .header('location', artifactUrl(v.modelSha256))
        .header('cache-control', 'no-cache')
        .header('x-sentio-model-version', `${v.model}@${v.version}`)
        .header('x-sentio-sha256', v.modelSha256)
        .send();
    },
  );

  app.get<{ Params: { sha256: string } }>('/v1/artifacts/:sha256', opts, async (req, reply) => {
    const sha = req.params.sha256.toLowerCase();
    if (!SHA256.test(sha)) throw badQuery('the artifact id must be 64 hex characters (a sha256)');
    const owner = await shas.lookup(sha);
    if (owner === null) {
      throw new SentioError('ARTIFACT_MISSING', `no registered model file has sha256 ${sha}`, {
        sha256: sha,
      });
    }
    const etag = `"${sha}"`;
    reply
      .header('etag', etag)
      .header('cache-control', IMMUTABLE)
      .header('x-sentio-model-version', `${owner.model}@${owner.version}`);
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    const bytes = await ctx.registry.artifacts.get(sha);
    return reply
      .type('application/octet-stream')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
