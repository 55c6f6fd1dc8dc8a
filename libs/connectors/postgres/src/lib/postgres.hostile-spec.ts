import { createServer, type Server } from 'node:net';
import { BlockedAddressError, FatalError } from '@junction/connector-sdk';
import { runAction } from '@junction/connector-sdk/testing';
import { TcpCanary } from '@junction/shared/testing';
import { parseConnection, postgresConnector } from './postgres.connector';

const custom = (fields: Record<string, string>) => ({ kind: 'custom' as const, fields });

/**
 * Hostile tier, class 2: a workspace aims the postgres connector somewhere it must not reach —
 * the platform's own database through a Unix socket or a loopback port, a local file through
 * the TLS options, an endless device file. Each is refused before a socket opens.
 */
describe('postgres connector: connection options an attacker would try (hostile)', () => {
  it.each([
    ['postgres://u@x.test/db?host=/var/run/postgresql', /option "host" is not allowed/],
    ['postgres://u@x.test/db?hostaddr=127.0.0.1', /option "hostaddr"/],
    ['postgres://u@x.test/db?sslcert=/dev/zero', /option "sslcert"/],
    ['postgres://u@x.test/db?sslkey=/dev/zero', /option "sslkey"/],
    ['postgres://u@x.test/db?sslrootcert=/etc/shadow', /option "sslrootcert"/],
    ['postgres://u@x.test/db?sslcrl=/dev/zero', /option "sslcrl"/],
    ['postgres://u@x.test/db?passfile=/root/.pgpass', /option "passfile"/],
    ['postgres://u@x.test/db?service=platform', /option "service"/],
    ['postgres://u@x.test/db?options=-c%20log_statement%3Dall', /option "options"/],
    ['postgres://u@x.test/db?replication=database', /option "replication"/],
    ['postgres://u@x.test/db?ssl=true', /option "ssl"/],
    ['postgres://u@x.test/db?sslmode=require&sslmode=disable', /given twice/],
    ['postgres://u@x.test/db?sslmode=prefer', /sslmode "prefer"/],
    ['postgres:///db', /host is required/],
    ['postgres:///db?user=u', /option "user"/],
    ['postgres://u@/db', /host is required|not a valid/],
    ['postgres://u@%2Fvar%2Frun%2Fpostgresql/db', /not a valid host name|path or socket/],
    ['postgres://u@h1.test,h2.test/db', /not a valid host name/],
    ['postgres://u@[fe80::1%25lo]/db', /not a valid|IPv6/],
    ['socket://u@x.test/db', /postgres:\/\//],
    ['postgres://u@x.test:0/db', /port "0"/],
    ['postgres://u@x.test/db#frag', /fragment/],
  ])('refuses %s', (connectionString, why) => {
    expect(() => parseConnection({ connectionString })).toThrow(FatalError);
    expect(() => parseConnection({ connectionString })).toThrow(why);
  });

  it.each([
    [{ host: '/var/run/postgresql', user: 'u' }, /path or socket/],
    [{ host: '@abstract', user: 'u' }, /path or socket/],
    [{ host: 'x.test', user: 'u', sslcert: '/dev/zero' }, /field "sslcert" is not allowed/],
    [{ host: 'x.test', user: 'u', caCertificate: '/etc/ssl/certs/ca.pem' }, /PEM text/],
    [{ host: 'x.test', user: 'u', sslmode: 'allow' }, /sslmode "allow"/],
    [{ connectionString: 'postgres://u@x.test/db', host: '127.0.0.1' }, /not both/],
    [{ host: 'x.test', user: '' }, /user name/],
    [{ host: 'x.test', user: 'u', port: '99999' }, /port "99999"/],
  ])('refuses the fields %j', (fields, why) => {
    expect(() => parseConnection(fields)).toThrow(why);
  });

  it('keeps what it allows, and only that', () => {
    expect(parseConnection({ connectionString: 'postgresql://app:p%40ss@DB.Example.test:6543/sales?sslmode=verify-full&application_name=etl' })).toEqual({
      host: 'db.example.test',
      port: 6543,
      database: 'sales',
      user: 'app',
      password: 'p@ss',
      sslmode: 'verify-full',
      applicationName: 'etl',
      statementTimeoutMs: 30_000,
    });
    expect(parseConnection({ host: '2130706433', user: 'u' })).toMatchObject({ host: '127.0.0.1', database: 'u', sslmode: 'disable' });
  });

  describe('against a loopback canary that must see nothing', () => {
    let canary: TcpCanary;
    let canary6: TcpCanary;

    beforeAll(async () => {
      canary = await TcpCanary.start('127.0.0.1');
      canary6 = await TcpCanary.start('::1');
    });

    afterAll(async () => {
      await canary.close();
      await canary6.close();
    });

    it('refuses every spelling of a loopback database when loopback is not allow-listed', async () => {
      const p = canary.port;
      const targets = [
        custom({ connectionString: `postgres://u@127.0.0.1:${p}/db` }),
        custom({ connectionString: `postgres://u@2130706433:${p}/db` }),
        custom({ connectionString: `postgres://u@0x7f.1:${p}/db` }),
        custom({ connectionString: `postgres://u@localhost:${p}/db` }),
        custom({ connectionString: `postgres://u@[::ffff:127.0.0.1]:${p}/db` }),
        custom({ connectionString: `postgres://u@[::1]:${canary6.port}/db` }),
        custom({ connectionString: `postgres://u@0.0.0.0:${p}/db` }),
        custom({ host: '127.0.0.1', port: String(p), user: 'u' }),
        custom({ host: '127.1', port: String(p), user: 'u', sslmode: 'require' }),
      ];
      for (const credentials of targets) {
        await expect(runAction(postgresConnector, 'query', { input: { sql: 'SELECT 1' }, credentials, allow: ['127.0.0.1:1'] })).rejects.toBeInstanceOf(BlockedAddressError);
      }
      expect(canary.connections).toEqual([]);
      expect(canary6.connections).toEqual([]);
    });

    it('an endless device file named by sslcert/sslkey/sslrootcert fails at once instead of freezing the service', async () => {
      const started = Date.now();
      for (const option of ['sslcert', 'sslkey', 'sslrootcert']) {
        const credentials = custom({ connectionString: `postgres://u@127.0.0.1:${canary.port}/db?sslmode=require&${option}=/dev/zero` });
        await expect(runAction(postgresConnector, 'query', { input: { sql: 'SELECT 1' }, credentials, allow: [`127.0.0.1:${canary.port}`] })).rejects.toThrow(
          new RegExp(`option "${option}" is not allowed`),
        );
      }
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(canary.connections).toEqual([]);
    });
  });

  describe('never sends the connectors service’s own database password', () => {
    let server: Server;
    let port = 0;
    const passwords: string[] = [];
    const saved = process.env.PGPASSWORD;

    beforeAll(async () => {
      // a fake server that asks for a cleartext password and records what it gets
      server = createServer((socket) => {
        let buffered = Buffer.alloc(0);
        let started = false;
        socket.on('error', () => undefined);
        socket.on('data', (chunk) => {
          buffered = Buffer.concat([buffered, chunk]);
          if (!started && buffered.length >= 8 && buffered.length >= buffered.readInt32BE(0)) {
            started = true;
            buffered = buffered.subarray(buffered.readInt32BE(0));
            socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
          }
          if (started && buffered.length >= 5 && buffered[0] === 0x70 && buffered.length >= 1 + buffered.readInt32BE(1)) {
            passwords.push(buffered.subarray(5, buffered.readInt32BE(1)).toString('utf8').replace(/\0$/, ''));
            socket.destroy();
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      port = (server.address() as { port: number }).port;
      process.env.PGPASSWORD = 'platform-database-password';
    });

    afterAll(async () => {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
      await new Promise((r) => server.close(r));
    });

    it('answers a password request with the connection’s (empty) password, not PGPASSWORD', async () => {
      const credentials = custom({ connectionString: `postgres://u@127.0.0.1:${port}/db` });
      await expect(runAction(postgresConnector, 'query', { input: { sql: 'SELECT 1' }, credentials, allow: [`127.0.0.1:${port}`] })).rejects.toBeInstanceOf(Error);
      expect(passwords).toEqual(['']);
    });
  });
});
