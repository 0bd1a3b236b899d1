/**
 * The OpenAPI description of monitoring's routes: ground truth
 * (`POST /v1/feedback`) and the drift and live-performance report
 * (`GET /v1/models/{name}/monitor`). Merged into the document built by
 * openapi.ts.
 * @module
 */
import { MAX_FEEDBACK_FIELD_CHARS } from '../monitoring/feedback-request.js';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const feedbackItem = {
  type: 'object',
  additionalProperties: false,
  required: ['prediction_id', 'label'],
  properties: {
    prediction_id: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_FEEDBACK_FIELD_CHARS,
      description:
        'The id of a prediction answer (`id` of a REST answer or of a batch item, `predictionId` of a WebSocket answer).',
    },
    label: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_FEEDBACK_FIELD_CHARS,
      description: 'The true class (trimmed and lowercased, as at training).',
    },
  },
} as const;

export function monitorSchemas(maxItems: number): Record<string, unknown> {
  return {
    FeedbackRequest: {
      description: 'One label, or several as `items`.',
      oneOf: [
        feedbackItem,
        {
          type: 'object',
          additionalProperties: false,
          required: ['items'],
          properties: {
            items: { type: 'array', minItems: 1, maxItems, items: feedbackItem },
          },
        },
      ],
    },
    FeedbackResult: {
      type: 'object',
      required: ['joined', 'recorded', 'updated', 'unknown'],
      properties: {
        joined: { type: 'integer', description: 'Labels joined to logged predictions.' },
        recorded: { type: 'integer', description: 'Of which first labels.' },
        updated: { type: 'integer', description: 'Of which replaced an earlier label.' },
        unknown: {
          type: 'array',
          items: { type: 'string' },
          description: 'Ids no logged prediction has (batch form; the single form answers 404).',
        },
      },
    },
  };
}

export function monitorPaths(apiSecurity: unknown[]): Record<string, unknown> {
  return {
    '/v1/feedback': {
      post: {
        summary: 'Ground truth for logged predictions',
        description:
          'Joins a label to a logged prediction by its id, so live accuracy can be measured (`GET /v1/models/{name}/monitor`, `sentio_live_accuracy` on /metrics). Predictions answered moments ago are written out first, so their ids are known. The label also applies to the prediction’s off-path twins (`ID.shadow`, `ID.compare`: a rollout candidate’s or the other canary arm’s score of the same text), when there are any. A prediction skipped by the log sample rate, dropped by a full log queue, or pruned is unknown.',
        security: apiSecurity,
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/FeedbackRequest' } },
          },
        },
        responses: {
          200: {
            description: 'What was joined',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/FeedbackResult' } },
            },
          },
          400: errorResponse('MONITOR_FEEDBACK_INVALID: the message names the field'),
          401: errorResponse('Missing API key'),
          403: errorResponse('Invalid API key'),
          404: errorResponse('MONITOR_UNKNOWN_PREDICTION: no id is a logged prediction'),
          413: errorResponse('Body over the limit'),
        },
      },
    },
    '/v1/models/{name}/monitor': {
      get: {
        summary: 'Drift verdicts and live performance over a window of traffic',
        description:
          'The same JSON as `sentio monitor report NAME --json`: `drift` (any signal drifting), each signal (`prediction_psi`, `confidence_psi`, `token_js`, `oov_rate`, `text_length`) with value, threshold and verdict, live performance per arm (accuracy from feedback labels, expected accuracy, calibration) next to the offline evaluation, and each signal over time.',
        security: apiSecurity,
        parameters: [
          { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'window',
            in: 'query',
            required: false,
            schema: { type: 'string', default: '1h' },
            description: 'A duration (15m, 1h, 7d) or a number of predictions (10000).',
          },
          {
            name: 'version',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1 },
            description: 'Default: the version with the most predictions in the window.',
          },
          {
            name: 'threshold',
            in: 'query',
            required: false,
            schema: { type: 'array', items: { type: 'string' } },
            style: 'form',
            explode: true,
            description: 'Override a line: `token_js=0.3`, `token_js.minWindow=1000` (repeatable).',
          },
        ],
        responses: {
          200: { description: 'The report' },
          400: errorResponse('MONITOR_BAD_OPTION: a bad window, version or threshold'),
          404: errorResponse(
            'SERVE_MODEL_NOT_FOUND (not served here) or MONITOR_NO_DATA (no logged predictions in the window)',
          ),
          409: errorResponse('MONITOR_NO_REFERENCE: the version has no reference profile'),
        },
      },
    },
  };
}
