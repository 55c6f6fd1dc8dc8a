import { validatePayload } from '@junction/platform/ports';
import { CreateConnectionRequest } from './connection.contracts';
import { secretMapProblem } from './secret-map';

describe('secret maps', () => {
  it.each([
    [{ apiKey: 'x', client_secret: 'y' }, undefined],
    [{}, undefined],
    ['text', /object/],
    [['a'], /object/],
    [{ apiKey: 5 }, /apiKey must be a string/],
    [{ apiKey: 'a'.repeat(8193) }, /at most 8192/],
    [Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`f${i}`, 'v'])), /at most 32 fields/],
    [{ '1abc': 'v' }, /field names/],
    [{ constructor: 'v' }, /field names/],
    [JSON.parse('{"__proto__":"v"}'), /field names/],
  ])('%j → %s', (value, problem) => {
    const found = secretMapProblem(value);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  it('never echoes a secret value in the validation message', () => {
    const secret = 's'.repeat(9000);
    expect(() =>
      validatePayload(CreateConnectionRequest, {
        workspaceId: 'ws_01J9Z5Q3X8M4ZK1T7N2B6C0D9E',
        caller: { kind: 'api_key', id: 'k', role: 'admin' },
        name: 'n',
        connector: 'http',
        credentials: { apiKey: secret },
      }),
    ).toThrow(/credentials field apiKey must be at most 8192/);
    try {
      validatePayload(CreateConnectionRequest, {
        workspaceId: 'ws_01J9Z5Q3X8M4ZK1T7N2B6C0D9E',
        caller: { kind: 'api_key', id: 'k', role: 'admin' },
        name: 'n',
        connector: 'http',
        credentials: { apiKey: secret },
      });
    } catch (error) {
      expect((error as Error).message).not.toContain('sss');
    }
  });
});
