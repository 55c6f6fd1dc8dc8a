import { randomBytes } from 'node:crypto';
import { EnvKeyProvider, parseMasterKeys } from './env-key-provider';
import { Envelope } from './envelope';
import { UnknownMasterKeyError } from './key-provider';

const keyOf = () => randomBytes(32).toString('base64');

describe('Envelope', () => {
  const k1 = keyOf();
  const k2 = keyOf();
  const secrets = { apiKey: 'sk_live_abc', password: 'hunter2' };
  const aad = 'connection/ws_1/conn_1';

  it('opens what it sealed, and the box holds no plaintext', async () => {
    const envelope = new Envelope(EnvKeyProvider.parse(`k1:${k1}`));
    const sealed = await envelope.seal(secrets, aad);
    expect(sealed.masterKeyId).toBe('k1');
    expect(sealed.ciphertext.toString('latin1')).not.toContain('sk_live_abc');
    expect(await envelope.open(sealed, aad)).toEqual(secrets);
  });

  it('uses a fresh data key and IV per seal', async () => {
    const envelope = new Envelope(EnvKeyProvider.parse(`k1:${k1}`));
    const [a, b] = await Promise.all([envelope.seal(secrets, aad), envelope.seal(secrets, aad)]);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
  });

  it('refuses a box moved to another row (other AAD) or altered by one bit', async () => {
    const envelope = new Envelope(EnvKeyProvider.parse(`k1:${k1}`));
    const sealed = await envelope.seal(secrets, aad);
    await expect(envelope.open(sealed, 'connection/ws_2/conn_1')).rejects.toThrow();
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[flipped.length - 1] ^= 1;
    await expect(envelope.open({ ...sealed, ciphertext: flipped }, aad)).rejects.toThrow();
  });

  it('re-wraps under the newest key without touching the ciphertext; the old key is then not needed', async () => {
    const old = new Envelope(EnvKeyProvider.parse(`k1:${k1}`));
    const sealed = await old.seal(secrets, aad);
    const both = new Envelope(EnvKeyProvider.parse(`k1:${k1},k2:${k2}`));
    const rewrapped = await both.rewrap(sealed, aad);
    expect(rewrapped.masterKeyId).toBe('k2');
    expect(rewrapped.ciphertext.equals(sealed.ciphertext)).toBe(true);
    expect(await new Envelope(EnvKeyProvider.parse(`k2:${k2}`)).open(rewrapped, aad)).toEqual(secrets);
    await expect(new Envelope(EnvKeyProvider.parse(`k2:${k2}`)).open(sealed, aad)).rejects.toBeInstanceOf(UnknownMasterKeyError);
  });
});

describe('parseMasterKeys', () => {
  it('keeps the order (newest last)', () => {
    expect([...parseMasterKeys(`a:${keyOf()}, b:${keyOf()}`).keys()]).toEqual(['a', 'b']);
  });

  it.each([
    ['', /lists no key/],
    ['k1', /entry 1 must be/],
    [`k1:${randomBytes(16).toString('base64')}`, /"k1" must be 32 bytes/],
    [`k1:${keyOf()},k1:${keyOf()}`, /twice/],
  ])('refuses %j without echoing key material', (spec, message) => {
    expect(() => parseMasterKeys(spec)).toThrow(message);
    try {
      parseMasterKeys(spec);
    } catch (error) {
      const material = spec
        .split(',')
        .map((e) => e.split(':')[1])
        .filter(Boolean);
      for (const m of material) expect((error as Error).message).not.toContain(m);
    }
  });
});
