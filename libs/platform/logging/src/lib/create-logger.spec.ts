import { Writable } from 'node:stream';
import { childTraceparent, messageContext, traceIdOf } from '@junction/platform/ports';
import { createLogger } from './create-logger';

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
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON with the service name and the trace id of the current context', () => {
    const out = capture();
    const logger = createLogger({ service: 'auth', level: 'info', destination: out.stream });
    const traceparent = childTraceparent();
    messageContext.run({ traceparent, workspaceId: 'ws_1' }, () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({ service: 'auth', level: 'info', msg: 'inside', traceId: traceIdOf(traceparent), workspaceId: 'ws_1' });
    expect(outside.traceId).toBeUndefined();
  });

  it('censors secret-looking fields', () => {
    const out = capture();
    const logger = createLogger({ service: 'auth', level: 'info', destination: out.stream });
    logger.info({ connection: { password: 'hunter2', token: 'tok_live_1' } }, 'saved');
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('tok_live_1');
    expect(text).toContain('[redacted]');
  });
});
