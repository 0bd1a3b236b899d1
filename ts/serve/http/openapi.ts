/**
 * The OpenAPI 3.1 document served at /openapi.json: routes, bodies (from
 * schemas.ts, with this server's limits), error codes and auth. The human
 * docs at /docs are rendered from this same object, and the document links
 * to them (`externalDocs`).
 * @module
 */
import { ERROR_CODES } from '../../errors/index.js';
import type { ResolvedServeOptions } from '../options.js';
import { deployPaths, deploySchemas, ROUTING_DESCRIPTION } from './openapi-deploy.js';
import { monitorPaths, monitorSchemas } from './openapi-monitor.js';
import { webPaths } from './openapi-web.js';
import {
  batchResponseSchema,
  contributionSchema,
  errorSchema,
  predictBodySchema,
  singleResponseSchema,
  slotSchema,
} from './schemas.js';

export const DOCS_PATH = '/docs';

export function serveErrorCodes(): Array<{ code: string; status: number }> {
  return Object.entries(ERROR_CODES)
    .filter(
      ([code]) =>
        code.startsWith('SERVE_') ||
        code.startsWith('DEPLOY_') ||
        code.startsWith('MONITOR_') ||
        code === 'INTERNAL',
    )
    .map(([code, v]) => ({ code, status: v.http }));
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const WS_DESCRIPTION = `WebSocket endpoint (upgrade a GET to /v1/ws). Send JSON text messages
\`{"id": 1, "model": "NAME", "text": "..."}\` (or \`"texts": [...]\`, with optional \`explain\`, \`alias\`, \`version\`,
and \`key\`: the canary routing key, as the REST \`X-Sentio-Key\` header);
answers are \`{"id": 1, "model", "version", "arm", "label", "probabilities", "predictionId"}\` (batches: \`"predictions": [...]\`)
or \`{"id": 1, "error": {"code", "message"}}\`. Many requests may be in flight per connection; answers come as
they are ready, matched by \`id\` (a string of at most 128 characters or a number). \`{"type": "ping", "id"}\` is
answered by \`{"type": "pong", "id"}\`. The server pings every 30 s and drops peers that do not pong. A client that
stops reading is paused, then closed with code 1008 and a reason; frames over the hard limit close with 1009.`;

export function buildOpenApi(
  options: ResolvedServeOptions,
  version: string,
): Record<string, unknown> {
  const limits = options.limits;
  const keyed = options.apiKeyFile !== null;
  const apiSecurity = keyed ? [{ apiKey: [] }, { bearer: [] }] : [];
  const json = (ref: string) => ({ 'application/json': { schema: { $ref: ref } } });
  const codes = serveErrorCodes()
    .map((c) => `\`${c.code}\` (${c.status})`)
    .join(', ');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sentio inference server',
      version,
      description:
        `Text classification over HTTP and WebSocket. Human-readable docs: [${DOCS_PATH}](${DOCS_PATH}).\n\n` +
        `Every error is \`{"error": {"code", "message", "requestId"}}\` with a stable code: ${codes}.\n\n` +
        `Limits: body ${limits.maxBodyBytes} bytes, text ${limits.maxTextChars} characters, ` +
        `${limits.maxBatchTexts} texts per request, explanations for at most ${limits.maxExplainTexts} texts ` +
        `and ${limits.maxExplainFeatures} features, whole request within ${limits.requestTimeoutMs} ms, ` +
        `WebSocket messages ${limits.wsMaxMessageBytes} bytes.`,
    },
    externalDocs: { description: 'Human-readable API documentation', url: DOCS_PATH },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'API key (or admin token on admin routes).',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token.' },
      },
      schemas: {
        PredictRequest: predictBodySchema(limits),
        SinglePrediction: singleResponseSchema,
        BatchPrediction: batchResponseSchema,
        Contribution: contributionSchema,
        ServedReference: slotSchema,
        Error: errorSchema,
        ...deploySchemas,
        ...monitorSchemas(limits.maxBatchTexts),
      },
    },
    paths: {
      '/v1/models/{name}/predict': {
        post: {
          summary: 'Classify one text or a batch of texts',
          description: `Without \`alias\` or \`version\` the model’s first served reference answers. Each answer names the exact version that produced it (also in the \`X-Sentio-Model-Version\` header). ${ROUTING_DESCRIPTION}`,
          security: apiSecurity,
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            {
              name: 'X-Sentio-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 1024 },
              description:
                'Canary routing key (e.g. a user id): the same key always gets the same arm.',
            },
          ],
          requestBody: { required: true, content: json('#/components/schemas/PredictRequest') },
          responses: {
            200: {
              description: 'Predictions',
              content: {
                'application/json': {
                  schema: {
                    oneOf: [
                      { $ref: '#/components/schemas/SinglePrediction' },
                      { $ref: '#/components/schemas/BatchPrediction' },
                    ],
                  },
                },
              },
            },
            400: errorResponse('Invalid JSON or UTF-8, wrong types, missing fields, empty text'),
            401: errorResponse('Missing API key'),
            403: errorResponse('Invalid API key'),
            404: errorResponse('Model, alias or version not served'),
            408: errorResponse('Request not received in time'),
            409: errorResponse('The alias is at another version than the one asked for'),
            413: errorResponse('Body, text or batch over the limit'),
            415: errorResponse('Body is not application/json'),
          },
        },
      },
      '/v1/models': {
        get: {
          summary: 'Served models: version, alias, since when, swap state',
          security: apiSecurity,
          responses: { 200: { description: 'Served models' } },
        },
      },
      '/v1/models/{name}': {
        get: {
          summary: 'One served model',
          security: apiSecurity,
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'The model and its served references' },
            404: errorResponse('Not served'),
          },
        },
      },
      '/v1/ws': {
        get: {
          summary: 'WebSocket predictions',
          description: WS_DESCRIPTION,
          security: apiSecurity,
          responses: {
            101: { description: 'Switching protocols' },
            401: errorResponse('Missing API key'),
          },
        },
      },
      '/v1/admin/reload': {
        post: {
          summary: 'Check the registry now and retry failed versions',
          security: [{ adminToken: [] }],
          responses: {
            200: { description: 'Served references after the reload' },
            401: errorResponse('Missing admin token'),
            403: errorResponse('Invalid admin token, or no admin token configured'),
          },
        },
      },
      ...deployPaths(),
      ...webPaths(apiSecurity),
      ...monitorPaths(apiSecurity),
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'Alive' } } } },
      '/readyz': {
        get: {
          summary:
            'Readiness, with per-reference details (version, status, last failure) and the registry link (push/poll, connected, reconnects)',
          responses: {
            200: { description: 'Every reference loaded and verified' },
            503: { description: 'Not ready, or shutting down' },
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { 200: { description: 'Text exposition format' } },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
      [DOCS_PATH]: {
        get: { summary: 'Human-readable docs', responses: { 200: { description: 'HTML' } } },
      },
      '/': {
        get: {
          summary:
            'The web app (playground and dashboard); this service index as JSON with Accept: application/json',
          responses: { 200: { description: 'HTML, or JSON' } },
        },
      },
    },
  };
}
