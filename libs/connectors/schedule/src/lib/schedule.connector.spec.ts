import { validateAgainst } from '@junction/connector-sdk';
import { cronTrigger, scheduleConnector } from './schedule.connector';

describe('schedule connector declaration', () => {
  it.each([
    [{ cron: '30 2 * * *', timezone: 'America/New_York' }, true],
    [{ everySeconds: 60 }, true],
    [{ everySeconds: 0 }, false],
    [{ cron: '* * * * *', timezone: 'UTC', misfire: 'sometimes' }, false],
    [{}, false],
  ])('validates trigger config %j → %s', (config, ok) => {
    expect(validateAgainst(cronTrigger.config, config).length === 0).toBe(ok);
  });

  it('declares a schedule trigger and no actions', () => {
    expect(scheduleConnector.triggers.map((t) => t.kind)).toEqual(['schedule']);
    expect(scheduleConnector.actions).toEqual([]);
  });
});
