import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from './create-logger';
import { nestLogger, withNestLogScope } from './nest-log';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('nestLogger', () => {
  it('writes each line with the service whose start is under way, even when two starts interleave', async () => {
    const out = capture();
    const audit = createLogger({ service: 'audit', level: 'info', destination: out.stream });
    const gateway = createLogger({ service: 'gateway', level: 'info', destination: out.stream });
    // as Nest calls it: (message, context), from inside each application's async start
    const start = (logger: typeof audit, name: string) =>
      withNestLogScope({ logger, frameworkLevel: 'info' }, async () => {
        await sleep(5);
        nestLogger.log(`${name} module initialised`, 'InstanceLoader');
        await sleep(10);
        nestLogger.warn(`${name} warned`, 'SomeProvider');
      });
    await Promise.all([start(audit, 'audit'), start(gateway, 'gateway')]);
    const lines = out.lines().map((l) => [l['service'], l['context'], l['msg']]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['audit', 'InstanceLoader', 'audit module initialised'],
        ['gateway', 'InstanceLoader', 'gateway module initialised'],
        ['audit', 'SomeProvider', 'audit warned'],
        ['gateway', 'SomeProvider', 'gateway warned'],
      ]),
    );
    expect(lines).toHaveLength(4);
  });

  it('writes the start-up lines at the scope’s framework level and leaves every other line at its own', () => {
    const out = capture();
    const logger = createLogger({ service: 'executor', level: 'debug', destination: out.stream });
    withNestLogScope({ logger, frameworkLevel: 'debug' }, () => {
      nestLogger.log('Mapped {/v1/jobs, GET} route', 'RouterExplorer');
      nestLogger.log('a line of the service', 'JobDispatcher');
      nestLogger.warn('a warning', 'RouterExplorer');
    });
    expect(out.lines().map((l) => [l['level'], l['msg']])).toEqual([
      ['debug', 'Mapped {/v1/jobs, GET} route'],
      ['info', 'a line of the service'],
      ['warn', 'a warning'],
    ]);
  });

  it("keeps an exception handler's stack as the error's, and an Error as `err`", () => {
    const out = capture();
    const logger = createLogger({ service: 'auth', level: 'info', destination: out.stream });
    withNestLogScope({ logger, frameworkLevel: 'info' }, () => {
      nestLogger.error('boom', 'Error: boom\n    at somewhere (file.ts:1:1)', 'ExceptionsHandler');
      nestLogger.error(new Error('bad'), 'Injector');
    });
    const [handler, thrown] = out.lines() as { context: string; err: { message: string; stack: string } }[];
    expect(handler).toMatchObject({ context: 'ExceptionsHandler', err: { message: 'boom', stack: 'Error: boom\n    at somewhere (file.ts:1:1)' } });
    expect(thrown).toMatchObject({ context: 'Injector', err: { message: 'bad' } });
  });
});
