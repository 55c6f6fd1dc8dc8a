import { IsString } from 'class-validator';
import { Namespace, defineEvent, defineRpc, defineStream } from '@junction/platform/ports';
import { natsSecurityOptions, parseNatsServers } from './nats-connect';
import { AccessGuard, UndeclaredAccessError, natsAuthorizationBlock, natsPermissions, permitted, serviceInboxPrefix, type ServiceAccess } from './nats-permissions';

class Body {
  @IsString()
  id: string;
}

const Served = defineRpc('vault.read.v1', Body, Body);
const Called = defineRpc('other.do.v1', Body, Body);
const Stream = defineStream({ name: 'WORK', subjects: ['vault.work.>'] });
const Published = defineEvent('vault.work.done.v1', Body, Stream);
const Consumed = defineEvent('vault.work.queued.v1', Body, Stream);

const access: ServiceAccess = {
  service: 'vault',
  serves: [Served],
  calls: [Called],
  publishes: [Published],
  consumes: [{ contract: Consumed, durable: 'vault-intake' }],
};

describe('natsPermissions', () => {
  const ns = new Namespace('prod');
  const perms = natsPermissions(ns, access);

  it('lets the service serve, call, publish and consume what it declares, through its own inbox', () => {
    expect(permitted(perms.subscribe.allow, 'prod.vault.read.v1')).toBe(true);
    expect(permitted(perms.subscribe.allow, `${serviceInboxPrefix(ns, 'vault')}.abc.1`)).toBe(true);
    expect(permitted(perms.publish.allow, 'prod.other.do.v1')).toBe(true);
    expect(permitted(perms.publish.allow, 'prod.vault.work.done.v1')).toBe(true);
    expect(permitted(perms.publish.allow, '$JS.API.CONSUMER.MSG.NEXT.PROD_WORK.prod_vault-intake')).toBe(true);
    expect(permitted(perms.publish.allow, '$JS.ACK.PROD_WORK.prod_vault-intake.1.2.3.4.5.6')).toBe(true);
    expect(perms.allow_responses).toBe(true);
  });

  it.each([
    ['publish', 'prod.vault.read.v1'],
    ['publish', 'prod.vault.work.queued.v1'],
    ['publish', 'prod.other.undo.v1'],
    ['publish', 'other.other.do.v1'],
    ['publish', '$JS.API.STREAM.DELETE.PROD_WORK'],
    ['publish', '$JS.API.STREAM.PURGE.PROD_WORK'],
    ['publish', '$JS.API.STREAM.MSG.GET.PROD_WORK'],
    ['publish', '$JS.API.CONSUMER.CREATE.PROD_WORK.prod_thief'],
    ['publish', '$JS.API.CONSUMER.MSG.NEXT.PROD_AUDIT.prod_audit-store'],
    ['publish', '$SYS.REQ.SERVER.PING'],
    ['subscribe', 'prod.other.do.v1'],
    ['subscribe', 'prod.>'],
    ['subscribe', '>'],
    ['subscribe', '_INBOX.>'],
    ['subscribe', '_INBOX_prod_other.>'],
    ['subscribe', 'prod.vault.work.>'],
  ] as const)('denies %s %s', (kind, subject) => {
    expect(permitted(perms[kind].allow, subject)).toBe(false);
  });

  it('grants no wildcard that reaches beyond the namespace', () => {
    for (const pattern of [...perms.publish.allow, ...perms.subscribe.allow]) {
      expect(pattern === '>' || pattern.startsWith('*')).toBe(false);
    }
  });

  it("lets only the stream's own service change its limits; a publisher may create it but not update it", () => {
    expect(permitted(perms.publish.allow, '$JS.API.STREAM.UPDATE.PROD_WORK')).toBe(true);
    const publisher = natsPermissions(ns, { service: 'reporter', serves: [], calls: [], publishes: [Published], consumes: [] });
    expect(permitted(publisher.publish.allow, '$JS.API.STREAM.CREATE.PROD_WORK')).toBe(true);
    expect(permitted(publisher.publish.allow, '$JS.API.STREAM.UPDATE.PROD_WORK')).toBe(false);
    expect(new AccessGuard({ service: 'reporter', serves: [], calls: [], publishes: [Published], consumes: [] }).owns(Stream)).toBe(false);
  });

  it('answers nothing for a service that serves nothing', () => {
    expect(natsPermissions(ns, { ...access, serves: [] }).allow_responses).toBeUndefined();
  });

  it('writes an authorization block nats-server reads (JSON values)', () => {
    const block = natsAuthorizationBlock([{ credential: { nkey: 'UABC' }, permissions: perms }]);
    expect(block).toMatch(/^authorization \{\n {2}users = \[/);
    expect(block).toContain('"nkey": "UABC"');
  });
});

describe('AccessGuard', () => {
  const guard = new AccessGuard(access);

  it('passes declared uses', () => {
    expect(() => {
      guard.serve(Served);
      guard.call(Called);
      guard.publish(Published);
      guard.consume(Consumed, 'vault-intake');
      guard.watch(Consumed, 'vault-intake');
      guard.stream(Stream);
    }).not.toThrow();
  });

  it.each([
    ['serve', () => guard.serve(Called)],
    ['call', () => guard.call(Served)],
    ['publish', () => guard.publish(Consumed)],
    ['consume under another durable', () => guard.consume(Consumed, 'thief')],
    ['watch', () => guard.watch(Consumed, 'someone-else')],
    ['stream', () => guard.stream(defineStream({ name: 'AUDIT', subjects: ['audit.>'] }))],
  ])('refuses an undeclared %s and says where to declare it', (_what, use) => {
    expect(use).toThrow(UndeclaredAccessError);
    expect(use).toThrow(/service "vault" .* without declaring it in its ServiceAccess/);
  });
});

describe('natsSecurityOptions', () => {
  it('passes nothing for an auth-less local server', () => {
    expect(natsSecurityOptions('nats://127.0.0.1:4222')).toEqual({});
  });

  it('requires TLS for tls:// servers and with a CA file', () => {
    expect(parseNatsServers('tls://a:4222, nats://b:4222').tlsRequested).toBe(true);
    expect(natsSecurityOptions('tls://a:4222').tls).toEqual({});
    expect(natsSecurityOptions('nats://a:4222', {}, { caFile: '/ca.pem' }).tls).toEqual({ caFile: '/ca.pem' });
  });

  it.each([
    [{ user: 'u', password: 'p', nkeySeed: 'SU…' }, /only one of/],
    [{ user: 'u' }, /go together/],
  ])('refuses inconsistent credentials %#', (credentials, message) => {
    expect(() => natsSecurityOptions('nats://a:4222', credentials)).toThrow(message);
  });
});
