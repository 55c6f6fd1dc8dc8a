import { findForbiddenKey as forbiddenKeyPath } from '@junction/platform/ports';
import { rootTokenMatches } from './root-token';

describe('rootTokenMatches', () => {
  const token = 'r'.repeat(40);
  it.each([
    [token, true],
    [`${token}x`, false],
    [token.slice(0, -1), false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (presented, expected) => {
    expect(rootTokenMatches(token, presented)).toBe(expected);
  });

  it('refuses everything when no token is configured', () => {
    expect(rootTokenMatches(undefined, '')).toBe(false);
    expect(rootTokenMatches('', '')).toBe(false);
  });
});

describe('forbiddenKeyPath', () => {
  it.each([
    ['{"__proto__":{"a":1}}', '__proto__'],
    ['{"a":{"b":[{"constructor":{}}]}}', 'a.b.0.constructor'],
    ['{"credentials":{"prototype":"x"}}', 'credentials.prototype'],
    ['{"a":{"b":"__proto__"}}', undefined],
    ['[1,2]', undefined],
    ['"text"', undefined],
  ])('%s → %s', (json, path) => {
    expect(forbiddenKeyPath(JSON.parse(json))).toBe(path);
  });
});
