import pino from 'pino';
import { OutageLog } from './outage-log';

describe('OutageLog', () => {
  it('logs an outage when it starts and when it ends, with how many calls failed, and nothing in between', () => {
    const lines: { level: number; msg: string; failed?: number; downMs?: number }[] = [];
    const log = new OutageLog(pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), 'Postgres');
    log.up(); // nothing to end
    for (let i = 0; i < 192; i++) log.down(new Error('connect ECONNREFUSED'));
    expect(log.isDown).toBe(true);
    log.up();
    log.up();
    log.down(undefined, false); // a status event: an outage, but no failed call
    log.up();
    expect(lines.map((l) => l.msg)).toEqual(['Postgres unavailable', 'Postgres available again', 'Postgres unavailable', 'Postgres available again']);
    expect(lines[1].failed).toBe(192);
    expect(lines[1].downMs).toBeGreaterThanOrEqual(0);
    expect(lines[3].failed).toBe(0);
    expect(log.isDown).toBe(false);
  });
});
