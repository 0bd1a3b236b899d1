/**
 * JSON Schemas of the API's bodies: the contract the OpenAPI document
 * publishes, and what the validator (validate-request.ts) enforces by hand.
 * The benchmark's Fastify echo peer validates with `predictBodySchema` so it
 * does the same checking work as the real route.
 * @module
 */
import type { ServeLimits } from '../options.js';

export function predictBodySchema(limits: ServeLimits) {
  return {
    type: 'object',
    additionalProperties: false,
    description: 'Exactly one of `text` or `texts`.',
    properties: {
      text: {
        type: 'string',
        minLength: 1,
        maxLength: limits.maxTextChars,
        pattern: '\\S',
        description: 'One text to classify (not empty or only whitespace).',
      },
      texts: {
        type: 'array',
        minItems: 1,
        maxItems: limits.maxBatchTexts,
        items: { type: 'string', minLength: 1, maxLength: limits.maxTextChars, pattern: '\\S' },
        description: 'Several texts, scored in one engine call; answers keep their order.',
      },
      explain: {
        oneOf: [
          { type: 'boolean' },
          { type: 'integer', minimum: 0, maximum: limits.maxExplainFeatures },
        ],
        description: `Return the k features that pushed the winning class most (true: 10). At most ${limits.maxExplainTexts} texts per request.`,
      },
      alias: {
        type: 'string',
        pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$',
        description: 'Answer with the version behind this served alias (e.g. "production").',
      },
      version: {
        type: 'integer',
        minimum: 1,
        description: 'Answer with this exact version; it must be loaded (404 otherwise).',
      },
    },
    oneOf: [{ required: ['text'] }, { required: ['texts'] }],
  } as const;
}

export const contributionSchema = {
  type: 'object',
  required: ['feature', 'weight', 'contribution'],
  properties: {
    feature: { type: 'string', description: 'The n-gram after preprocessing, e.g. "not good".' },
    weight: { type: 'number', description: 'Its tf-idf weight in this text.' },
    contribution: {
      type: 'number',
      description: "Its share of the winning class's margin over the others.",
    },
  },
} as const;

const probabilities = {
  type: 'object',
  additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
  description: 'Class → probability, in the model’s class order; they sum to 1.',
} as const;

const textPrediction = {
  id: { type: 'string', description: 'Prediction id (unique; appears in the logs).' },
  label: { type: 'string', description: 'The most probable class.' },
  probabilities,
  explanation: { type: 'array', items: { $ref: '#/components/schemas/Contribution' } },
} as const;

export const singleResponseSchema = {
  type: 'object',
  required: ['id', 'model', 'version', 'label', 'probabilities'],
  properties: {
    model: { type: 'string' },
    version: { type: 'integer', description: 'The exact version that produced this answer.' },
    arm: {
      type: 'string',
      enum: ['stable', 'canary'],
      description:
        'Which arm answered when the environment carries a canary (always present unless the request named a version).',
    },
    ...textPrediction,
  },
} as const;

export const batchResponseSchema = {
  type: 'object',
  required: ['model', 'version', 'predictions'],
  properties: {
    model: { type: 'string' },
    version: { type: 'integer', description: 'The exact version that produced every answer.' },
    arm: {
      type: 'string',
      enum: ['stable', 'canary'],
      description:
        'Which arm answered when the environment carries a canary (always present unless the request named a version).',
    },
    predictions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'label', 'probabilities'],
        properties: textPrediction,
      },
    },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable error code, e.g. SERVE_EMPTY_TEXT.' },
        message: { type: 'string', description: 'What is wrong, for a person.' },
        requestId: { type: 'string' },
      },
    },
  },
} as const;

export const slotSchema = {
  type: 'object',
  properties: {
    ref: { type: 'string', description: 'The served reference, e.g. sentiment@production.' },
    model: { type: 'string' },
    alias: {
      type: ['string', 'null'],
      description: 'Watched alias ("latest" for the newest version); null when pinned.',
    },
    version: { type: ['integer', 'null'], description: 'Version answering now.' },
    status: { type: 'string', enum: ['loading', 'failed', 'ready', 'swapping', 'degraded'] },
    since: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'When this version started answering.',
    },
    loadedAt: { type: ['string', 'null'], format: 'date-time' },
    modelSha256: { type: ['string', 'null'] },
    classes: { type: ['array', 'null'], items: { type: 'string' } },
    target: { type: ['integer', 'null'], description: 'Version the registry points to.' },
    loading: { type: ['object', 'null'] },
    swaps: { type: 'integer' },
    canary: {
      type: ['object', 'null'],
      description:
        'Environments only: the canary this server routes to (id, version, percent, this instance’s counters), or null.',
    },
    shadow: {
      type: ['object', 'null'],
      description: 'Environments only: the shadow this server mirrors to, or null.',
    },
    lastFailure: {
      type: ['object', 'null'],
      properties: {
        version: { type: 'integer' },
        code: { type: 'string' },
        message: { type: 'string' },
        at: { type: 'string', format: 'date-time' },
      },
    },
  },
} as const;
