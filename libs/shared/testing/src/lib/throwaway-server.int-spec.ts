import { existsSync } from 'node:fs';
import { connect } from 'nats';
import { Redis } from 'ioredis';
import { startNatsServer, startRedisServer } from './throwaway-server';

describe('throwaway servers', () => {
  it('nats-server: SIGKILL, then a restart on the same port keeps what JetStream stored in the same directory', async () => {
    const server = await startNatsServer();
    try {
      const url = `nats://127.0.0.1:${server.port}`;
      let nc = await connect({ servers: url });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
      await nc.jetstream().publish('keep.one', new TextEncoder().encode('stored'));
      await nc.close();

      await server.kill();
      expect(server.running).toBe(false);
      await expect(connect({ servers: url, reconnect: false, timeout: 500 })).rejects.toBeDefined();
      await server.restart();

      nc = await connect({ servers: url });
      const info = await (await nc.jetstreamManager()).streams.info('KEEP');
      expect(info.state.messages).toBe(1);
      await nc.close();
    } finally {
      await server.dispose();
    }
  });

  it('redis-server: stops, restarts on the same port, and is gone with its directory after dispose', async () => {
    const server = await startRedisServer();
    const client = () => {
      const c = new Redis(`redis://127.0.0.1:${server.port}`, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      c.on('error', () => undefined);
      return c;
    };
    try {
      const first = client();
      await first.connect();
      expect(await first.ping()).toBe('PONG');
      first.disconnect();
      await server.stop();
      await expect(client().connect()).rejects.toBeDefined();
      await server.restart();
      const second = client();
      await second.connect();
      expect(await second.ping()).toBe('PONG');
      second.disconnect();
    } finally {
      await server.dispose();
    }
    expect(existsSync(server.dir)).toBe(false);
  });
});
