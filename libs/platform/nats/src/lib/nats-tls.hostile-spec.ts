import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, connect } from 'nats';
import { startNatsServer, type ThrowawayServer } from '@junction/shared/testing';
import { natsSecurityOptions, parseNatsServers } from './nats-connect';

/**
 * A `tls://` NATS URL means TLS or nothing: against a server with a certificate the CA vouches
 * for it connects; against a plaintext server, or a certificate nobody vouched for, it refuses
 * instead of sending credentials in the clear or to an impostor.
 */
describe('NATS over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-nats-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  let secure: ThrowawayServer;
  let plain: ThrowawayServer;

  const open = (url: string, caFile?: string) => connect({ servers: parseNatsServers(url).servers, reconnect: false, timeout: 3000, ...natsSecurityOptions(url, {}, { caFile }) });

  beforeAll(async () => {
    // nats.js checks an IP-addressed server's certificate against "localhost": the test certificate names both
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      {
        stdio: 'ignore',
      },
    );
    [secure, plain] = await Promise.all([startNatsServer(`tls {\n  cert_file: "${cert}"\n  key_file: "${key}"\n}\n`), startNatsServer()]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([secure?.dispose(), plain?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with tls:// and the CA of the server certificate', async () => {
    const nc = await open(`tls://127.0.0.1:${secure.port}`, cert);
    expect(nc.info?.tls_required).toBe(true);
    await nc.close();
  });

  it('refuses a plaintext server behind a tls:// URL (no downgrade)', async () => {
    await expect(open(`tls://127.0.0.1:${plain.port}`)).rejects.toMatchObject({ code: ErrorCode.ServerOptionNotAvailable });
    await expect(open(`nats://127.0.0.1:${plain.port}`, cert)).rejects.toMatchObject({ code: ErrorCode.ServerOptionNotAvailable });
  });

  it('refuses a certificate its CA does not vouch for', async () => {
    await expect(open(`tls://127.0.0.1:${secure.port}`)).rejects.toBeDefined();
  });
});
