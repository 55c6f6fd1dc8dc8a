import { randomBytes } from 'node:crypto';
import { deriveKeys, derivedKeysFrom, parseMasterKeys } from './master-keys';

describe('derived keys', () => {
  const material = randomBytes(32);
  const spec = `k1:${material.toString('base64')},k2:${randomBytes(32).toString('base64')}`;

  it('gives one key per master key, same ids and order, none equal to its master key', () => {
    const master = parseMasterKeys(spec);
    const derived = deriveKeys(master, 'junction-audit-chain');
    expect([...derived.keys()]).toEqual(['k1', 'k2']);
    for (const [id, key] of derived) {
      expect(key).toHaveLength(32);
      expect(key.equals(master.get(id) as Buffer)).toBe(false);
    }
  });

  it('differs by purpose and by key id, and is stable', () => {
    const master = parseMasterKeys(spec);
    const audit = deriveKeys(master, 'junction-audit-chain').get('k1') as Buffer;
    expect(audit.equals(deriveKeys(master, 'junction-audit-chain').get('k1') as Buffer)).toBe(true);
    expect(audit.equals(deriveKeys(master, 'junction-other').get('k1') as Buffer)).toBe(false);
    const sameMaterialOtherId = deriveKeys(new Map([['k9', material]]), 'junction-audit-chain').get('k9') as Buffer;
    expect(audit.equals(sameMaterialOtherId)).toBe(false);
  });

  it('refuses a purpose that is not a plain name, and never echoes key material in errors', () => {
    expect(() => deriveKeys(parseMasterKeys(spec), '')).toThrow(/not a key purpose/);
    const bad = `k1:${randomBytes(31).toString('base64')}`;
    expect(() => derivedKeysFrom(bad, 'junction-audit-chain')).toThrow('JUNCTION_MASTER_KEYS key "k1" must be 32 bytes in base64');
  });
});
