import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThrowawayServer, startRedisServer, uniqueNamespace } from '@junction/shared/testing';
import { connectRedis } from './redis.module';

/** `rediss://` means TLS or nothing: a server certificate its CA vouches for, never plaintext. */
describe('Redis over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-redis-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const namespace = uniqueNamespace('redis_tls');
  let secure: ThrowawayServer;
  let plain: ThrowawayServer;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      {
        stdio: 'ignore',
      },
    );
    [secure, plain] = await Promise.all([
      ThrowawayServer.start('redis-tls', 'redis-server', (port, d) => [
        '--bind',
        '127.0.0.1',
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        cert,
        '--tls-key-file',
        key,
        '--tls-auth-clients',
        'no',
        '--dir',
        d,
        '--save',
        '',
      ]),
      startRedisServer(),
    ]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([secure?.dispose(), plain?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with rediss:// and the CA of the server certificate', async () => {
    const redis = await connectRedis({ url: `rediss://127.0.0.1:${secure.port}`, namespace, tlsCaFile: cert });
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
  });

  it('refuses a certificate its CA does not vouch for, and a plaintext server behind rediss://', async () => {
    await expect(connectRedis({ url: `rediss://127.0.0.1:${secure.port}`, namespace })).rejects.toThrow(/self[- ]signed|certificate/i);
    await expect(connectRedis({ url: `rediss://127.0.0.1:${plain.port}`, namespace, tlsCaFile: cert })).rejects.toBeDefined();
  });
});
