/**
 * The OpenAPI description of the deployment admin routes (routes-deploy.ts)
 * and of canary routing on the prediction routes: request bodies, what each
 * answers, and the errors a caller must handle. Merged into the document
 * built by openapi.ts.
 * @module
 */

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const json = (schema: unknown) => ({ 'application/json': { schema } });

const nameParam = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'Model name',
};

const reason = { type: 'string', description: 'Why (kept in the history).' };
const gateFields = {
  reason,
  force: {
    type: 'boolean',
    description:
      'Move even if blocking gates fail; the gates still run and the move is recorded as forced.',
  },
  gateData: {
    type: 'string',
    description:
      'Labelled dataset file on the server host: candidate and current version are re-scored on it for the metric gates (as --gate-data).',
  },
} as const;
const versionField = {
  oneOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
  ],
  description: 'A version number, or an alias / environment name (e.g. "staging", "latest").',
};
const envField = (dflt?: string) => ({
  type: 'string',
  description: `Environment (alias)${dflt ? `; default ${dflt}` : ''}.`,
  ...(dflt ? { default: dflt } : {}),
});

export const deploySchemas = {
  GateResult: {
    type: 'object',
    required: ['name', 'kind', 'passed', 'message'],
    properties: {
      name: { type: 'string', description: 'e.g. "accuracy >= 0.85", "checksum", "parity".' },
      kind: { type: 'string', enum: ['metric', 'checksum', 'parity', 'approval'] },
      source: { type: ['string', 'null'], enum: ['recorded', 'gate-data', null] },
      passed: { type: 'boolean' },
      value: { type: ['number', 'null'], description: "The candidate's number." },
      required: { type: ['number', 'null'], description: 'The bound it had to meet.' },
      baseline: {
        type: ['number', 'null'],
        description: "The environment's current version's number (relative gates).",
      },
      blocking: { type: 'boolean' },
      message: { type: 'string', description: 'Names both numbers.' },
    },
  },
  MoveResult: {
    type: 'object',
    required: ['model', 'env', 'fromVersion', 'toVersion', 'forced', 'gates', 'move'],
    properties: {
      model: { type: 'string' },
      env: { type: 'string' },
      fromVersion: { type: ['integer', 'null'] },
      toVersion: { type: 'integer' },
      forced: { type: 'boolean' },
      gates: { type: 'array', items: { $ref: '#/components/schemas/GateResult' } },
      move: { type: 'object', description: 'The alias-history row written by the move.' },
    },
  },
  Rollout: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      model: { type: 'string' },
      env: { type: 'string' },
      kind: { type: 'string', enum: ['canary', 'shadow'] },
      version: { type: 'integer' },
      percent: { type: 'number' },
      thresholds: { $ref: '#/components/schemas/Thresholds' },
      state: { type: 'string', enum: ['active', 'aborted', 'stopped', 'promoted'] },
      startedAt: { type: 'string', format: 'date-time' },
      startedBy: { type: 'string' },
      endedAt: { type: ['string', 'null'], format: 'date-time' },
      endedBy: {
        type: ['string', 'null'],
        description: '`server:<instance>` for an automatic abort.',
      },
      endReason: { type: ['string', 'null'] },
      endDetails: {
        description: 'Automatic abort: the threshold breach (metric, value, threshold).',
      },
    },
  },
  Thresholds: {
    type: 'object',
    additionalProperties: false,
    description:
      'Automatic-abort thresholds (defaults from the model policy’s `canary:` section, then built-in). A null bound is off.',
    properties: {
      minRequests: { type: 'integer', minimum: 1, description: 'Judge only after this many.' },
      maxErrorRate: { type: ['number', 'null'], minimum: 0, maximum: 1 },
      maxP99Ms: { type: ['number', 'null'], exclusiveMinimum: 0 },
      maxDisagreement: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    },
  },
  Approval: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      model: { type: 'string' },
      version: { type: 'integer' },
      env: { type: 'string' },
      approvedBy: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
      note: { type: ['string', 'null'] },
    },
  },
  Policy: {
    type: 'object',
    description:
      'The model’s policy as stored (gates per environment, parity, approval, canary thresholds), with when and by whom it was set.',
  },
  RolloutReport: {
    type: 'object',
    description:
      'Merged counters of every server instance: requests, errors and latency percentiles per arm, agreement overall and per class, confusion table (rows: stable label, columns: candidate label), thresholds and any breach.',
  },
  HistoryReport: {
    type: 'object',
    description:
      'Every environment move (time, from → to, who, reason, gate results) and deployment event, oldest first; with `at`, which version served each environment then.',
  },
} as const;

const adminErrors = {
  400: errorResponse('Bad field or query parameter (DEPLOY_BAD_OPTION names it)'),
  401: errorResponse('Missing admin token'),
  403: errorResponse('Invalid admin token, none configured, or self-approval'),
  404: errorResponse('Unknown model, version, environment or rollout'),
};

function post(
  summary: string,
  description: string,
  body: Record<string, unknown>,
  required: string[],
  result: string,
  extra: Record<number, unknown> = {},
) {
  return {
    post: {
      summary,
      description,
      tags: ['deployment'],
      security: [{ adminToken: [] }],
      parameters: [nameParam],
      requestBody: {
        required: required.length > 0,
        content: json({ type: 'object', additionalProperties: false, required, properties: body }),
      },
      responses: {
        200: { description: 'Done', content: json({ $ref: `#/components/schemas/${result}` }) },
        ...adminErrors,
        ...extra,
      },
    },
  };
}

function get(summary: string, query: Array<[string, string]>, result: string) {
  return {
    get: {
      summary,
      tags: ['deployment'],
      security: [{ adminToken: [] }],
      parameters: [
        nameParam,
        ...query.map(([name, description]) => ({
          name,
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description,
        })),
      ],
      responses: {
        200: { description: 'Report', content: json({ $ref: `#/components/schemas/${result}` }) },
        ...adminErrors,
      },
    },
  };
}

const gateRefused = {
  409: errorResponse(
    'DEPLOY_GATE_FAILED: a blocking gate failed; nothing changed. `error.details.gates` holds every gate result. Also DEPLOY_NOTHING_TO_DO, DEPLOY_ROLLOUT_ACTIVE, or the environment moved meanwhile.',
  ),
};

const start = (kind: 'canary' | 'shadow') => ({
  version: versionField,
  env: envField('production'),
  percent: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 100,
    description:
      kind === 'canary'
        ? 'Share of requests the candidate answers (split by stable key).'
        : 'Share of requests mirrored to the candidate after they are answered (default 100).',
  },
  thresholds: { $ref: '#/components/schemas/Thresholds' },
  reason,
});

export function deployPaths(): Record<string, unknown> {
  const base = '/v1/admin/models/{name}';
  return {
    [`${base}/deploy`]: post(
      'Point an environment at a version (gated when the policy declares gates for it)',
      'As `sentio deploy NAME@VERSION --env ENV`.',
      { version: versionField, env: envField(), ...gateFields },
      ['version', 'env'],
      'MoveResult',
      gateRefused,
    ),
    [`${base}/promote`]: post(
      'Promote the version one environment runs into another, through the gates',
      'As `sentio promote NAME --from staging --to production`: metric gates (recorded and, with gateData, re-scored), checksum, native/WASM parity and approval. A refused promotion changes nothing and is recorded as a `promote_refused` event.',
      { from: envField('staging'), to: envField('production'), ...gateFields },
      [],
      'MoveResult',
      gateRefused,
    ),
    [`${base}/rollback`]: post(
      'Return an environment to the version it ran before (or `to`), without gates',
      'As `sentio rollback NAME --env ENV [--to VERSION]`.',
      { env: envField(), to: { type: 'integer', minimum: 1 }, reason },
      ['env'],
      'MoveResult',
      { 409: errorResponse('DEPLOY_NO_PREVIOUS: nothing to roll back to') },
    ),
    [`${base}/approve`]: post(
      'Approve a version for an environment whose policy asks for approval',
      'As `sentio approve NAME@VERSION --env ENV`. An approval counts for any mover except its approver (the same token is the same person).',
      { version: versionField, env: envField('production'), note: { type: 'string' } },
      ['version'],
      'Approval',
    ),
    [`${base}/canary/stop`]: post(
      'Stop the environment’s canary (traffic returns to the stable version)',
      'As `sentio canary stop`.',
      { env: envField('production'), reason },
      [],
      'Rollout',
    ),
    [`${base}/canary/promote`]: post(
      'Finish a canary: move the environment to the candidate through the same gates as promote',
      'As `sentio canary promote`.',
      { env: envField('production'), ...gateFields },
      [],
      'MoveResult',
      gateRefused,
    ),
    [`${base}/shadow/stop`]: post(
      'Stop the environment’s shadow',
      'As `sentio shadow stop`.',
      { env: envField('production'), reason },
      [],
      'Rollout',
    ),
    [`${base}/history`]: get(
      'Environment moves and deployment events; what served at a given time',
      [
        ['env', 'Only this environment'],
        ['at', 'An instant (ISO 8601, e.g. 2026-05-01T12:00Z): which version served then'],
      ],
      'HistoryReport',
    ),
    [`${base}/canary`]: {
      ...post(
        'Start a canary: a share of the environment’s requests answered by a candidate',
        'As `sentio canary start NAME@VERSION --env ENV --percent P`. Servers following the store route by stable key within a second and abort automatically on a threshold breach.',
        start('canary'),
        ['version', 'percent'],
        'Rollout',
        { 409: errorResponse('DEPLOY_ROLLOUT_ACTIVE: the environment already carries a canary') },
      ),
      ...get(
        'Canary status: merged counters of every instance',
        [['env', 'Environment (default production)']],
        'RolloutReport',
      ),
    },
    [`${base}/shadow`]: {
      ...post(
        'Start a shadow: the candidate scores a copy of live requests after they are answered',
        'As `sentio shadow start NAME@VERSION --env ENV`. Never delays an answer; agreement is recorded.',
        start('shadow'),
        ['version'],
        'Rollout',
        { 409: errorResponse('DEPLOY_ROLLOUT_ACTIVE: the environment already carries a shadow') },
      ),
      ...get(
        'Shadow report: merged counters of every instance',
        [['env', 'Environment (default production)']],
        'RolloutReport',
      ),
    },
    [`${base}/policy`]: get('The model’s deployment policy', [], 'Policy'),
  };
}

/** How canary routing shows on the prediction routes. */
export const ROUTING_DESCRIPTION =
  'When the environment answering carries a canary, each request is routed by a stable key: the `X-Sentio-Key` header (WebSocket: the `key` field), else the text (a batch: its first text). ' +
  'FNV-1a 32-bit of the key’s UTF-8 bytes modulo 10,000 is its bucket; buckets below percent × 100 go to the candidate, so a key always gets the same arm. ' +
  'Answers say which arm answered (`arm`: `stable` or `canary`; header `X-Sentio-Arm`) next to the exact `version`. Requests naming a `version` bypass routing and carry no arm.';
