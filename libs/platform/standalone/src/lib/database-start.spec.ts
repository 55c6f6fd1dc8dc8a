import { DeferredLog, resolveDataDir } from './database-start';

function recorder() {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) };
}

describe('DeferredLog', () => {
  it('holds what is logged before a logger is attached, then writes it in order, and later lines straight away', () => {
    const log = new DeferredLog();
    log.info('creating the database');
    log.warn('stopping a leftover server');
    const target = recorder();
    expect(target.lines).toEqual([]);
    log.attach(target);
    log.info('ready');
    expect(target.lines).toEqual(['info creating the database', 'warn stopping a leftover server', 'info ready']);
  });

  it('writes nothing twice when attached again', () => {
    const log = new DeferredLog();
    log.info('once');
    const target = recorder();
    log.attach(target);
    log.attach(target);
    expect(target.lines).toEqual(['info once']);
  });
});

describe('resolveDataDir', () => {
  it('is JUNCTION_DATA_DIR when absolute, relative to the working directory otherwise, .junction by default', () => {
    expect(resolveDataDir({ JUNCTION_DATA_DIR: '/var/lib/junction' })).toBe('/var/lib/junction');
    expect(resolveDataDir({ JUNCTION_DATA_DIR: 'data' })).toBe(`${process.cwd()}/data`);
    expect(resolveDataDir({})).toBe(`${process.cwd()}/.junction`);
  });
});
