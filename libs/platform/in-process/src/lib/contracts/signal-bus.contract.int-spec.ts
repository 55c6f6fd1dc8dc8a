import { Allow, IsInt, IsString, Min } from 'class-validator';
import pino from 'pino';
import { UndeclaredAccessError, defineSignal, type MessageBus, type ServiceAccess, type SignalBus } from '@junction/platform/ports';
import { TEST_SERVERS, uniqueNamespace, waitFor } from '@junction/shared/testing';
import { BUS_ADAPTERS, type BusWorld } from './adapters';

class Revoked {
  @IsString()
  keyId: string;

  @IsInt()
  @Min(1)
  generation: number;
}

class AnyRevoked {
  @Allow()
  keyId: unknown;

  @Allow()
  generation: unknown;
}

const KeyRevoked = defineSignal('contract.key.revoked.v1', Revoked);
const KeyRevokedLoosely = defineSignal('contract.key.revoked.v1', AnyRevoked);
const Elsewhere = defineSignal('contract.elsewhere.v1', Revoked);

/** Log lines written by the buses, parsed. */
const lines: { msg: string; subject?: string }[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; subject?: string }) });

describe.each(BUS_ADAPTERS)('SignalBus contract: $name', (adapter) => {
  let world: BusWorld;
  let a: MessageBus & SignalBus;
  let b: MessageBus & SignalBus;
  let c: MessageBus & SignalBus;

  beforeAll(async () => {
    world = await adapter.open(TEST_SERVERS, uniqueNamespace('sigc'));
    [a, b, c] = await Promise.all([world.bus({ logger }), world.bus({ logger }), world.bus({ logger })]);
  });

  afterEach(() => {
    lines.length = 0;
  });

  afterAll(async () => {
    await world.dispose();
  });

  it('delivers every signal to every listener, each with its own validated copy', async () => {
    const atB: Revoked[] = [];
    const atC: Revoked[] = [];
    const subs = [await b.listen(KeyRevoked, (p) => void atB.push(p)), await c.listen(KeyRevoked, (p) => void atC.push(p))];
    const sent = { keyId: 'k1', generation: 1 };
    await a.emit(KeyRevoked, sent);
    await a.emit(KeyRevoked, { keyId: 'k2', generation: 2 });
    await waitFor(() => atB.length === 2 && atC.length === 2);
    expect(atB).toEqual([sent, { keyId: 'k2', generation: 2 }]);
    expect(atC).toEqual(atB);
    expect(atB[0]).toBeInstanceOf(Revoked);
    expect(atB[0]).not.toBe(atC[0]);
    expect(atB[0]).not.toBe(sent);
    await Promise.all(subs.map((s) => s.close()));
  });

  it('logs and drops a signal whose payload the listener’s contract refuses; other listeners still get it', async () => {
    const strict: Revoked[] = [];
    const loose: AnyRevoked[] = [];
    const subs = [await b.listen(KeyRevoked, (p) => void strict.push(p)), await c.listen(KeyRevokedLoosely, (p) => void loose.push(p))];
    await a.emit(KeyRevokedLoosely, { keyId: 'k3', generation: 0 });
    await a.emit(KeyRevokedLoosely, { keyId: 'k4', generation: 4 });
    await waitFor(() => loose.length === 2 && strict.length === 1);
    expect(strict).toEqual([{ keyId: 'k4', generation: 4 }]);
    await waitFor(() => lines.some((l) => l.msg === 'signal dropped'));
    expect(lines.filter((l) => l.msg === 'signal dropped')).toEqual([expect.objectContaining({ subject: 'contract.key.revoked.v1' })]);
    await Promise.all(subs.map((s) => s.close()));
  });

  it('does not send an invalid signal: logged, and emit still resolves', async () => {
    const got: Revoked[] = [];
    const sub = await b.listen(KeyRevoked, (p) => void got.push(p));
    await expect(a.emit(KeyRevoked, { keyId: 'k5', generation: -1 })).resolves.toBeUndefined();
    await a.emit(KeyRevoked, { keyId: 'k6', generation: 6 });
    await waitFor(() => got.length === 1);
    expect(got).toEqual([{ keyId: 'k6', generation: 6 }]);
    expect(lines.map((l) => l.msg)).toEqual(['signal not sent']);
    await sub.close();
  });

  it('stops delivering to a listener once its Closable is closed', async () => {
    const closed: Revoked[] = [];
    const open: Revoked[] = [];
    const sub = await b.listen(KeyRevoked, (p) => void closed.push(p));
    const stays = await c.listen(KeyRevoked, (p) => void open.push(p));
    await a.emit(KeyRevoked, { keyId: 'before', generation: 1 });
    await waitFor(() => closed.length === 1 && open.length === 1);
    await sub.close();
    await a.emit(KeyRevoked, { keyId: 'after', generation: 2 });
    await waitFor(() => open.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed.map((p) => p.keyId)).toEqual(['before']);
    await stays.close();
  });

  it('refuses to emit or listen to a signal the service did not declare', async () => {
    const access: ServiceAccess = { service: 'contract', serves: [], calls: [], publishes: [], consumes: [], emits: [KeyRevoked], hears: [KeyRevoked] };
    const guarded = await world.bus({ logger, access });
    await expect(guarded.emit(Elsewhere, { keyId: 'x', generation: 1 })).rejects.toBeInstanceOf(UndeclaredAccessError);
    await expect(guarded.listen(Elsewhere, () => undefined)).rejects.toThrow(/listens to contract\.elsewhere\.v1/);
    const got: Revoked[] = [];
    const sub = await guarded.listen(KeyRevoked, (p) => void got.push(p));
    await guarded.emit(KeyRevoked, { keyId: 'declared', generation: 1 });
    await waitFor(() => got.length === 1);
    await sub.close();
  });
});
