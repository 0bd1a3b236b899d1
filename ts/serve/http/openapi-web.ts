/**
 * The OpenAPI description of the routes behind the web app (web-app.ts):
 * the model files for in-browser prediction, the live event stream and the
 * dashboard's read routes. Merged into the document built by openapi.ts.
 * @module
 */

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const ok = (description: string) => ({ 200: { description } });

export function webPaths(apiSecurity: unknown[]): Record<string, unknown> {
  const get = (summary: string, extra: Record<string, unknown> = {}) => ({
    get: { summary, security: apiSecurity, ...extra },
  });
  return {
    '/v1/models/{name}/artifact': get(
      'Which model file a model serves now: a redirect to its content-addressed URL',
      {
        description:
          'Without a query: the version the model’s first served reference answers with (as `POST …/predict`), else the latest version. `version` and `alias` pick another. Answers 302 to `/v1/artifacts/{sha256}` with `Cache-Control: no-cache`, `X-Sentio-Model-Version` and `X-Sentio-Sha256`.',
        parameters: [
          nameParam,
          {
            name: 'version',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1 },
          },
          { name: 'alias', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          302: { description: 'Location: /v1/artifacts/{sha256}' },
          400: errorResponse('Bad query (both version and alias, not a number)'),
          404: errorResponse('Unknown model, version or alias (REGISTRY_NOT_FOUND)'),
        },
      },
    ),
    '/v1/artifacts/{sha256}': get('A registered model file, by its sha256', {
      description:
        'The bytes of a model file of some registered version (only model files are served), verified against the hash when read. Immutable: `ETag: "<sha256>"`, `Cache-Control: public, max-age=31536000, immutable`; `If-None-Match` gives 304.',
      parameters: [
        {
          name: 'sha256',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      ],
      responses: {
        200: {
          description: 'The model file',
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        304: { description: 'Not modified' },
        404: errorResponse('No registered model file has this hash (ARTIFACT_MISSING)'),
      },
    }),
    '/v1/events': get('Server-sent events: live registry, serving and alert changes', {
      description:
        '`text/event-stream`. Events (JSON `data`): `hello` (served references), `version` {model, version}, `environment` {model, env, from, to}, `rollout` {id, model, env, kind, version, percent, state}, `registry` {token} (any commit), `served` (this server switched a reference to another version), `alert` (an alert changed state). A comment every 15 s; clients reconnect after 2 s.',
      responses: ok('An endless event stream'),
    }),
    '/v1/dashboard/overview': get(
      'Every model with its environments and latest metrics; served references; active rollouts',
      { responses: ok('Overview') },
    ),
    '/v1/dashboard/models/{name}': get(
      'A model: versions with metrics and tags, environments and what each serves, alias history with gate results, rollouts, policy',
      {
        parameters: [nameParam],
        responses: { ...ok('The model'), 404: errorResponse('Unknown model') },
      },
    ),
    '/v1/dashboard/models/{name}/versions/{version}': get(
      'A version: confusion matrix, per-class report, model card, run, evaluations',
      {
        parameters: [
          nameParam,
          { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        ],
        responses: { ...ok('The version'), 404: errorResponse('Unknown model or version') },
      },
    ),
    '/v1/dashboard/models/{name}/monitoring': get(
      'Monitoring of a model over a window: volume, latency percentiles, live and expected accuracy, drift signals and their series, alerts, canary/shadow reports',
      {
        parameters: [
          nameParam,
          {
            name: 'window',
            in: 'query',
            required: false,
            schema: { type: 'string', default: '1h' },
            description: 'A duration: 15m, 1h, 24h, 7d.',
          },
          {
            name: 'points',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 500, default: 60 },
          },
        ],
        responses: {
          ...ok('Series and reports; parts without data are null with a reason'),
          404: errorResponse('Unknown model'),
        },
      },
    ),
    '/v1/dashboard/runs': get('Experiment runs, newest first', {
      parameters: [
        { name: 'experiment', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'model', in: 'query', required: false, schema: { type: 'string' } },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 1000 },
        },
      ],
      responses: ok('Runs and experiments'),
    }),
    '/v1/dashboard/runs/compare': get('Runs side by side: params and metrics, and which differ', {
      parameters: [
        {
          name: 'ids',
          in: 'query',
          required: true,
          schema: { type: 'string' },
          description: 'Run ids or unique prefixes, comma-separated (1 to 20).',
        },
      ],
      responses: { ...ok('The runs and the keys that differ'), 404: errorResponse('Unknown run') },
    }),
  };
}
