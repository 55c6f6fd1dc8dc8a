import { diffDefinitions } from './version-diff';

const recipe = (tag: string, extra: Record<string, unknown> = {}) => ({ name: 'r', trigger: { type: 'manual' }, steps: [{ id: 'a', set: { tag } }], ...extra });

describe('diffDefinitions', () => {
  it('marks only the changed line of two pretty-printed definitions', () => {
    const lines = diffDefinitions(recipe('one'), recipe('two'));
    expect(lines.filter((l) => l.kind === 'removed').map((l) => l.text)).toEqual(['        "tag": "one"']);
    expect(lines.filter((l) => l.kind === 'added').map((l) => l.text)).toEqual(['        "tag": "two"']);
    expect(lines[0]).toEqual({ kind: 'same', text: '{' });
  });

  it('folds a long unchanged run to three lines each side', () => {
    const steps = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, set: { i } }));
    const lines = diffDefinitions({ name: 'a', steps }, { name: 'b', steps });
    const fold = lines.find((l) => l.kind === 'fold');
    expect(fold?.text).toMatch(/^… \d+ unchanged lines$/);
    const after = lines.slice(lines.indexOf(fold as (typeof lines)[number]) + 1);
    expect(after).toHaveLength(3);
    expect(after.every((l) => l.kind === 'same')).toBe(true);
  });

  it('answers no changed lines for equal definitions', () => {
    expect(diffDefinitions(recipe('x'), recipe('x')).some((l) => l.kind !== 'same' && l.kind !== 'fold')).toBe(false);
  });
});
