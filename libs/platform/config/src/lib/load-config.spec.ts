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
    ['NATS_URL', 'nats://a:4222,http://b:4222'],
    ['NATS_URL', 'tls://'],
    ['NATS_URL', 'nats://host name:4222'],
    ['NATS_URL', 'nats://user:pass@nats:4222'],
    ['REDIS_URL', 'redis://'],
    ['REDIS_URL', 'rediss//cache:6380'],
    ['NATS_NKEY_SEED', 'not-a-seed'],
    ['NATS_PASSWORD', 'short'],
    ['REDIS_USERNAME', 'bad user'],
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

  it.each([
    ['NATS_URL', 'tls://nats-0.nats:4222,tls://nats-1.nats:4222'],
    ['NATS_URL', 'nats://127.0.0.1:4222, nats://[::1]:4223'],
    ['REDIS_URL', 'rediss://gateway:s3cret@redis.internal:6380/0'],
    ['REDIS_URL', 'redis://[::1]:6379'],
    ['DATABASE_URL', 'postgresql://junction:pw@db:5432/postgres?sslmode=verify-full&sslrootcert=/etc/ca.pem'],
    ['NATS_NKEY_SEED', `SU${'A'.repeat(56)}`],
  ])('accepts %s=%s', (name, value) => {
    expect((loadConfig(PlatformEnv, { [name]: value }) as unknown as Record<string, unknown>)[name]).toBe(value);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig(PlatformEnv, { PORT: 'x', REDIS_URL: 'nope' })).toThrow(/PORT:[\s\S]*REDIS_URL:/);
  });
});
