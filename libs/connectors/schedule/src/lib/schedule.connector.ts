import { Type, defineConnector, defineTrigger } from '@junction/connector-sdk';

/** The cron trigger's declaration; the scheduler service evaluates and fires it. */
export const cronTrigger = defineTrigger({
  kind: 'schedule',
  key: 'cron',
  displayName: 'On a schedule',
  description: 'Fires on a cron expression in a time zone, or every fixed interval. Each tick carries the scheduled time; its dedupe key is schedule id + scheduled time.',
  config: Type.Union([
    Type.Object(
      {
        cron: Type.String({ minLength: 9, maxLength: 120, description: 'five or six fields, e.g. "30 2 * * *"' }),
        timezone: Type.String({ default: 'UTC', description: 'IANA zone, e.g. Europe/Berlin' }),
        misfire: Type.Optional(Type.Union([Type.Literal('skip'), Type.Literal('catch_up')], { default: 'skip' })),
        maxCatchUp: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      },
      { additionalProperties: false },
    ),
    Type.Object({ everySeconds: Type.Integer({ minimum: 1, maximum: 31 * 24 * 3600 }) }, { additionalProperties: false }),
  ]),
  output: Type.Object({ scheduledAt: Type.String({ format: 'date-time' }), firedAt: Type.String({ format: 'date-time' }) }),
});

export const scheduleConnector = defineConnector({
  key: 'schedule',
  version: '1.0.0',
  displayName: 'Schedule',
  auth: [{ kind: 'none' }],
  actions: [],
  triggers: [cronTrigger],
});
