import 'reflect-metadata';
import { Writable } from 'node:stream';
import { request } from 'node:http';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { PlatformEnv } from '@junction/platform/config';
import { PublicRoute } from '@junction/platform/http';
import { TEST_SERVERS, dropNatsNamespace, uniqueNamespace } from '@junction/shared/testing';
import { startService, type RunningService } from './start-service';

@Controller('v1/things')
class ThingsController {
  // a controller added without thought: no decorator, so on a service that authenticates nobody it must not answer
  @Get()
  list(): { items: string[] } {
    return { items: ['internal'] };
  }

  @Post('echo')
  @PublicRoute()
  @HttpCode(200)
  echo(@Body() body: unknown): unknown {
    return body;
  }
}

@Controller('open')
@PublicRoute()
class OpenController {
  @Get('ping')
  ping(): { pong: true } {
    return { pong: true };
  }
}

@Module({ controllers: [ThingsController, OpenController] })
class ProbeModule {}

/** One request with the target exactly as given (no client-side normalisation of the path). */
function raw(base: string, method: string, target: string, body?: Buffer, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers: body ? { 'content-type': contentType, 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('every service: exact routing, deny by default, honest readiness (issue #10 classes 1, 7, 8)', () => {
  const namespace = uniqueNamespace('edge_rt');
  const logs: string[] = [];
  let service: RunningService;

  beforeAll(async () => {
    service = await startService(
      {
        name: 'scheduler',
        env: PlatformEnv,
        access: { service: 'scheduler', serves: [], calls: [], publishes: [], consumes: [] },
        database: false,
        imports: () => [ProbeModule],
      },
      {
        env: { JUNCTION_NAMESPACE: namespace, NATS_URL: TEST_SERVERS.nats, REDIS_URL: TEST_SERVERS.redis, DATABASE_URL: TEST_SERVERS.postgres, PORT: '0', HOST: '127.0.0.1' },
        logDestination: new Writable({
          write(chunk, _enc, cb) {
            logs.push(String(chunk));
            cb();
          },
        }),
      },
    );
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await dropNatsNamespace(TEST_SERVERS.nats, namespace);
  }, 30_000);

  it('refuses a route not marked public on a service without authentication, under any method', async () => {
    for (const method of ['GET', 'HEAD']) {
      const reply = await raw(service.url, method, '/v1/things');
      expect({ method, status: reply.status }).toEqual({ method, status: 404 });
      expect(reply.text).not.toContain('internal');
    }
    expect((await raw(service.url, 'GET', '/open/ping')).status).toBe(200);
    expect((await raw(service.url, 'GET', '/health/live')).status).toBe(200);
  });

  it('routes only the exact spelling of a path', async () => {
    for (const target of ['/OPEN/ping', '/open/PING', '/open/ping/', '//open/ping', '/open//ping', '/%6fpen/ping', '/x/../open/ping', '/open/./ping']) {
      expect({ target, status: (await raw(service.url, 'GET', target)).status }).toEqual({ target, status: 404 });
    }
  });

  it('answers a JSON body that is not UTF-8 with 400 (415 for another declared charset), and takes one that is', async () => {
    const latin = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const refused = await raw(service.url, 'POST', '/v1/things/echo', latin);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({ detail: expect.stringContaining('UTF-8') });
    const utf16 = await raw(service.url, 'POST', '/v1/things/echo', Buffer.from('{"name":"x"}', 'utf16le'), 'application/json; charset=utf-16');
    expect(utf16.status).toBe(415);
    const taken = await raw(service.url, 'POST', '/v1/things/echo', Buffer.from('{"name":"café"}'));
    expect({ status: taken.status, body: JSON.parse(taken.text) as unknown }).toEqual({ status: 200, body: { name: 'café' } });
  });

  it('reports readiness as up/down per dependency, with nothing else in it', async () => {
    const reply = await raw(service.url, 'GET', '/health/ready');
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.text) as { details: Record<string, unknown> };
    expect(body.details).toEqual({ nats: { status: 'up' }, redis: { status: 'up' } });
  });

  it('logs request paths without their query strings', async () => {
    await raw(service.url, 'GET', '/open/ping?code=query-canary&state=query-canary');
    await new Promise((r) => setTimeout(r, 200));
    const all = logs.join('');
    expect(all).toContain('"url":"/open/ping"');
    expect(all).not.toContain('query-canary');
  });
});
