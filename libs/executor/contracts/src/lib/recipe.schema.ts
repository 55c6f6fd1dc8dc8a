/**
 * JSON Schema (draft 2020-12 subset understood by ajv 8) of the recipe format in `recipe.types.ts`.
 * Step kinds are told apart by which kind key a step carries, so each kind is an `if: required`
 * branch rather than a `oneOf` (whose failures would list every kind's errors for one bad step).
 * `x-message` replaces ajv's generic text for alternatives (`anyOf`) with one readable sentence.
 */

import { DEDUPE_EXPRESSION_PATTERN, DEDUPE_KEY_PATTERN, DEDUPE_WINDOW_PATTERN } from './dedupe';

const STEP_ID_PATTERN = '^[a-z][a-z0-9_]*$';
const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
const TEMPLATE_PATTERN = '\\{\\{';
/** Event names a recipe waits for and `POST /v1/events` accepts; a leading `$` is reserved for the platform's own (`$approval`). */
export const EVENT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';

const duration = {
  'x-message': 'must be a duration such as "500ms", "30s", "15m", "2h", "1d", or a number of milliseconds',
  anyOf: [
    { type: 'string', pattern: DURATION_PATTERN },
    { type: 'integer', minimum: 0 },
  ],
} as const;

const durationOrTemplate = {
  'x-message': 'must be a duration such as "15m" or "2h", a number of milliseconds, or a {{ }} template',
  anyOf: [
    { type: 'string', pattern: DURATION_PATTERN },
    { type: 'string', pattern: TEMPLATE_PATTERN },
    { type: 'integer', minimum: 0 },
  ],
} as const;

const nonEmptyString = { type: 'string', minLength: 1, maxLength: 200 } as const;
const stepId = { type: 'string', pattern: STEP_ID_PATTERN, maxLength: 64 } as const;
const stepList = { $ref: '#/$defs/steps' } as const;
const stepBase = { id: stepId, name: { type: 'string', maxLength: 200 } } as const;

const retry = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
    backoff: {
      type: 'object',
      additionalProperties: false,
      properties: { initial: duration, max: duration, factor: { type: 'number', minimum: 1, maximum: 10 } },
    },
  },
} as const;

const kindBranch = (kind: string, properties: Record<string, unknown>, required: string[] = []) => ({
  if: { required: [kind] },
  then: { type: 'object', required: ['id', kind, ...required], additionalProperties: false, properties: { ...stepBase, ...properties } },
});

export const recipeSchema = {
  $id: 'https://junction.dev/schemas/recipe.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'trigger', 'steps'],
  properties: {
    name: nonEmptyString,
    description: { type: 'string', maxLength: 2000 },
    trigger: { $ref: '#/$defs/trigger' },
    steps: { type: 'array', $ref: '#/$defs/steps', minItems: 1 },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        concurrency: {
          description: 'jobs of this recipe running at once, or at most `limit` at once per value of `key` (an expression over the trigger)',
          oneOf: [
            { type: 'integer', minimum: 1, maximum: 1000 },
            {
              type: 'object',
              additionalProperties: false,
              required: ['limit', 'key'],
              properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, key: { type: 'string', minLength: 1, maxLength: 2000 } },
            },
          ],
        },
        throttle: {
          type: 'object',
          additionalProperties: false,
          required: ['limit', 'period'],
          description: 'at most `limit` jobs started per `period` for each value of `key`; the others start later, none is dropped',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100000 }, period: duration, key: { type: 'string', minLength: 1, maxLength: 2000 } },
        },
        debounce: {
          type: 'object',
          additionalProperties: false,
          required: ['period'],
          description: 'a burst of events of one `key` becomes one job with the last event, after `period` quiet or at most `maxWait` after the first',
          properties: { period: duration, key: { type: 'string', minLength: 1, maxLength: 2000 }, maxWait: duration },
        },
        priority: { type: 'integer', minimum: 1, maximum: 5, description: 'claimed before jobs of a lower priority (default 3)' },
        timeout: duration,
        onFailure: { type: 'object', additionalProperties: false, required: ['recipe'], properties: { recipe: { type: 'string', minLength: 1, maxLength: 200 } } },
        onUncertain: { enum: ['retry', 'fail'], description: 'after a crash cut a call to an action that is not idempotent: fail the job for review (default) or send it again' },
      },
    },
  },
  $defs: {
    trigger: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          additionalProperties: false,
          properties: {
            type: { const: 'webhook' },
            connector: nonEmptyString,
            trigger: nonEmptyString,
            connection: nonEmptyString,
            input: { type: 'object' },
            dedupeHeader: { type: 'string', pattern: '^[A-Za-z0-9-]+$', maxLength: 100 },
            dedupe: {
              type: 'object',
              additionalProperties: false,
              properties: {
                key: {
                  'x-message': 'must be "header:<name>" (the header carrying the delivery id) or one {{ expression }} over the event',
                  anyOf: [
                    { type: 'string', pattern: DEDUPE_KEY_PATTERN },
                    { type: 'string', pattern: DEDUPE_EXPRESSION_PATTERN, maxLength: 1000 },
                  ],
                },
                window: { type: 'string', pattern: DEDUPE_WINDOW_PATTERN, 'x-message': 'must be "off" or a whole duration such as "30s", "5m", "2h" or "1d" (at most 99d)' },
              },
            },
            signature: {
              type: 'object',
              additionalProperties: false,
              required: ['header', 'algorithm', 'connection'],
              properties: {
                header: { type: 'string', pattern: '^[A-Za-z0-9-]+$', maxLength: 100 },
                algorithm: { enum: ['hmac-sha256', 'hmac-sha1', 'hmac-sha512'] },
                encoding: { enum: ['hex', 'base64'] },
                prefix: { type: 'string', maxLength: 50 },
                timestampHeader: { type: 'string', pattern: '^[A-Za-z0-9-]+$', maxLength: 100 },
                toleranceSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
                connection: nonEmptyString,
              },
            },
          },
          dependentRequired: { trigger: ['connector'], connector: ['trigger'] },
        },
        {
          additionalProperties: false,
          required: ['cron'],
          properties: {
            type: { const: 'schedule' },
            cron: { type: 'string', minLength: 9, maxLength: 120 },
            timezone: { type: 'string', minLength: 1, maxLength: 64 },
            misfire: {
              type: 'object',
              additionalProperties: false,
              required: ['policy'],
              properties: {
                policy: { enum: ['skip', 'catchUp'] },
                max: { type: 'integer', minimum: 1, maximum: 100 },
              },
              // max bounds a catch-up only; on skip it would be a silent no-op
              if: { properties: { policy: { const: 'catchUp' } } },
              then: { required: ['max'] },
              else: { properties: { max: { not: {}, 'x-message': 'is only allowed with policy "catchUp"' } } },
            },
          },
        },
        {
          additionalProperties: false,
          required: ['connector', 'trigger', 'interval'],
          properties: {
            type: { const: 'poll' },
            connector: nonEmptyString,
            trigger: nonEmptyString,
            connection: nonEmptyString,
            input: { type: 'object' },
            interval: duration,
          },
        },
        { additionalProperties: false, properties: { type: { const: 'manual' } } },
      ],
    },
    steps: { type: 'array', maxItems: 500, items: { $ref: '#/$defs/step' } },
    step: {
      type: 'object',
      required: ['id'],
      properties: { id: stepId },
      allOf: [
        kindBranch('action', {
          action: { type: 'string', pattern: '^[a-z][a-z0-9_-]*\\.[a-z][a-z0-9_]*$', maxLength: 128 },
          connection: nonEmptyString,
          input: { type: 'object' },
          retry,
          timeout: duration,
        }),
        kindBranch('if', { if: { type: ['string', 'boolean'] }, then: stepList, else: stepList }, ['then']),
        kindBranch(
          'forEach',
          {
            forEach: { type: ['string', 'array'] },
            as: {
              type: 'string',
              pattern: '^[a-z][A-Za-z0-9_]*$',
              'x-message': 'must not be trigger, steps, vars, item, index or job',
              not: { enum: ['trigger', 'steps', 'vars', 'item', 'index', 'job'] },
            },
            concurrency: { type: 'integer', minimum: 1, maximum: 100 },
            steps: stepList,
          },
          ['steps'],
        ),
        kindBranch('parallel', {
          parallel: {
            type: 'object',
            minProperties: 1,
            maxProperties: 20,
            propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 64 },
            additionalProperties: { type: 'array', minItems: 1, $ref: '#/$defs/steps' },
          },
          mode: { enum: ['first-failure', 'all'] },
        }),
        kindBranch('try', { try: stepList, catch: stepList }),
        kindBranch('set', {
          set: { type: 'object', minProperties: 1, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 64 } },
        }),
        kindBranch('delay', {
          delay: {
            'x-message': 'must be a duration such as "15m", a {{ }} template, { "duration": … } or { "until": … }',
            anyOf: [
              durationOrTemplate,
              { type: 'object', additionalProperties: false, required: ['duration'], properties: { duration: durationOrTemplate } },
              { type: 'object', additionalProperties: false, required: ['until'], properties: { until: { type: 'string', minLength: 1 } } },
            ],
          },
        }),
        kindBranch('callRecipe', {
          callRecipe: {
            type: 'object',
            additionalProperties: false,
            required: ['recipe'],
            properties: { recipe: nonEmptyString, input: {}, wait: { type: 'boolean' } },
          },
          retry,
        }),
        kindBranch('respond', {
          respond: {
            type: 'object',
            additionalProperties: false,
            properties: {
              status: {
                'x-message': 'must be an HTTP status (100–599) or a {{ }} template',
                anyOf: [
                  { type: 'integer', minimum: 100, maximum: 599 },
                  { type: 'string', pattern: TEMPLATE_PATTERN },
                ],
              },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
              body: {},
            },
          },
        }),
        kindBranch('approval', {
          approval: {
            type: 'object',
            additionalProperties: false,
            required: ['title'],
            properties: {
              title: { type: 'string', minLength: 1, maxLength: 500 },
              description: { type: 'string', maxLength: 5000 },
              timeout: duration,
              notify: {
                type: 'object',
                additionalProperties: false,
                required: ['action'],
                properties: {
                  action: { type: 'string', pattern: '^[a-z][a-z0-9_-]*\\.[a-z][a-z0-9_]*$', maxLength: 128 },
                  connection: nonEmptyString,
                  input: { type: 'object' },
                },
              },
            },
          },
        }),
        kindBranch('waitFor', {
          waitFor: {
            type: 'object',
            additionalProperties: false,
            required: ['event', 'key'],
            properties: {
              event: {
                type: 'string',
                pattern: EVENT_NAME_PATTERN,
                maxLength: 128,
                'x-message': 'must be an event name: letters, digits, ".", "_", ":" or "-", not starting with "$"',
              },
              key: { type: 'string', minLength: 1, maxLength: 2000 },
              timeout: duration,
            },
          },
        }),
        kindBranch('stop', {
          stop: {
            'x-message': 'must be true or { "reason"?: string, "failed"?: boolean }',
            anyOf: [
              { const: true },
              {
                type: 'object',
                additionalProperties: false,
                properties: { reason: { type: 'string' }, failed: { type: 'boolean' } },
              },
            ],
          },
        }),
      ],
    },
  },
} as const;
