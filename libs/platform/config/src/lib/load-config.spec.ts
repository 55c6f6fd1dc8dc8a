import { IsInt, Min } from 'class-validator';
import { ConfigError, loadConfig } from './load-config';
import { PlatformEnv } from './platform-env';

class SampleEnv {
  @IsInt()
  @Min(1)
  WORKERS = 4;
}

describe('loadConfig', () => {
  it('keeps defaults for unset and empty variables', () => {
    const env = loadConfig(PlatformEnv, { NATS_URL: '' });
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(env.JUNCTION_NAMESPACE).toBe('junction');
  });

  it('converts numbers from strings', () => {
    expect(loadConfig(SampleEnv, { WORKERS: '12' }).WORKERS).toBe(12);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['NATS_URL', 'http://127.0.0.1:4222'],
    ['LOG_LEVEL', 'loud'],
    ['JUNCTION_NAMESPACE', 'Has-Caps'],
    ['DATABASE_NAME', 'drop table;'],
  ])('names the malformed variable %s=%s', (name, value) => {
    let error: unknown;
    try {
      loadConfig(PlatformEnv, { [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(1);
    expect((error as ConfigError).message).toContain(`${name}:`);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig(PlatformEnv, { PORT: 'x', REDIS_URL: 'nope' })).toThrow(/PORT:[\s\S]*REDIS_URL:/);
  });
});
