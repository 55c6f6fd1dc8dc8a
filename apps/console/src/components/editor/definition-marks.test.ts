import { json } from '@codemirror/lang-json';
import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { definitionMarks } from './definition-marks';
import { renderDefinition, type DefinitionFormat } from './definition-text';
import { schemaErrors } from './schema-errors';

const recipe = {
  name: 'orders',
  trigger: { type: 'webhook' },
  steps: [
    { id: 'shape', set: { order: '{{ trigger.body.id }}' } },
    { id: 'post', action: 'http.request', input: { url: 'https://x.example', 'a/b': 1, 'c~d': 2 } },
  ],
};

function stateOf(text: string, format: DefinitionFormat): EditorState {
  return EditorState.create({ doc: text, extensions: format === 'json' ? [json()] : [] });
}

/** The texts the editor underlines for a definition typed in a format, with the server's errors. */
function marked(text: string, format: DefinitionFormat, serverErrors: { path: string; message: string }[] = []) {
  return definitionMarks(stateOf(text, format), format, serverErrors).map((m) => ({ text: text.slice(m.from, m.to), message: m.message, source: m.source }));
}

/** Where a 422 error at a pointer lands (the server's marks only). */
function landsOn(text: string, format: DefinitionFormat, pointer: string): string | undefined {
  return marked(text, format, [{ path: pointer, message: 'x' }]).find((m) => m.source === 'server')?.text;
}

describe.each(['json', 'yaml'] as const)('the 422 pointers and the schema errors placed in the %s text', (format) => {
  const text = renderDefinition(recipe, format);
  const scalar = (value: string) => (format === 'json' ? JSON.stringify(value) : value);

  it('finds a property value, nested through objects and arrays', () => {
    expect(landsOn(text, format, '/name')).toBe(scalar('orders'));
    expect(landsOn(text, format, '/trigger/type')).toBe(scalar('webhook'));
    expect(landsOn(text, format, '/steps/1/action')).toBe(scalar('http.request'));
    expect(landsOn(text, format, '/steps/0/set/order')).toBe('"{{ trigger.body.id }}"');
  });

  it('unescapes ~1 and ~0 in segments (RFC 6901)', () => {
    expect(landsOn(text, format, '/steps/1/input/a~1b')).toBe('1');
    expect(landsOn(text, format, '/steps/1/input/c~0d')).toBe('2');
  });

  it('falls back to the deepest part that exists: a missing property marks its object, an index past the end its array', () => {
    expect(landsOn(text, format, '/trigger/secret')).toBe(format === 'json' ? '{\n    "type": "webhook"\n  }' : 'type: webhook\n');
    const steps = landsOn(text, format, '/steps/7/id') ?? '';
    expect(steps.startsWith(format === 'json' ? '[\n    {\n      "id": "shape"' : '- id: shape')).toBe(true);
    expect(steps.trimEnd().endsWith(format === 'json' ? '}\n  ]' : 'c~d: 2')).toBe(true);
  });

  it('marks the whole document for the root pointer', () => {
    expect(landsOn(text, format, '')).toBe(text);
  });

  it('underlines nothing in a valid recipe, and each schema error at its value while typing', () => {
    expect(marked(text, format)).toEqual([]);
    const broken = renderDefinition({ ...recipe, trigger: { type: 'webhok' }, steps: [{ id: 'Shape', set: 'not an object', extra: 1 }] }, format);
    expect(marked(broken, format)).toEqual([
      { text: scalar('webhok'), message: '/trigger/type: must be one of "webhook", "schedule", "poll", "manual"', source: 'schema' },
      { text: scalar('Shape'), message: '/steps/0/id: must match pattern "^[a-z][a-z0-9_]*$"', source: 'schema' },
      { text: scalar('not an object'), message: '/steps/0/set: must be object', source: 'schema' },
      { text: '1', message: '/steps/0/extra: is not allowed here', source: 'schema' },
    ]);
  });
});

describe('YAML specifics', () => {
  it('keeps pointing at the values in a text with comments and quoted keys', () => {
    const text = '# orders in\nname: orders # the name\ntrigger:\n  "type": webhook\nsteps:\n  # first\n  - id: shape\n    set: { order: "{{ trigger.body.id }}" }\n';
    expect(landsOn(text, 'yaml', '/trigger/type')).toBe('webhook');
    expect(landsOn(text, 'yaml', '/steps/0/set/order')).toBe('"{{ trigger.body.id }}"');
    expect(marked(text, 'yaml')).toEqual([]);
  });

  it('underlines a syntax error where the parser stops, and then checks no schema', () => {
    const marks = marked('name: a\ntrigger: [webhook\nsteps: []\n', 'yaml');
    expect(marks.length).toBeGreaterThan(0);
    expect(marks.every((m) => m.source === 'yaml')).toBe(true);
  });
});

describe('the recipe schema in the API’s words', () => {
  it('says what a 422 would say for a missing key, a wrong type, a duration and a list', () => {
    expect(schemaErrors({ trigger: { type: 'manual' }, steps: 'not a list' })).toEqual([
      { path: '/name', message: 'is required' },
      { path: '/steps', message: 'must be array' },
    ]);
    expect(schemaErrors({ name: 'x', trigger: { type: 'schedule' }, steps: [{ id: 'wait', delay: 'soon' }] })).toEqual([
      { path: '/trigger/cron', message: 'is required' },
      { path: '/steps/0/delay', message: 'must be a duration such as "15m", a {{ }} template, { "duration": … } or { "until": … }' },
    ]);
  });

  it('judges a trigger by the branch its type names, and refuses keys the API does not take (state, $schema)', () => {
    expect(schemaErrors({ name: 'x', trigger: { type: 'webhook', cron: '* * * * *' }, steps: [{ id: 'a', set: { b: 1 } }] })).toEqual([
      { path: '/trigger/cron', message: 'is not allowed here' },
    ]);
    expect(schemaErrors({ name: 'x', state: 'started', trigger: { type: 'manual' }, steps: [{ id: 'a', set: { b: 1 } }] })).toEqual([
      { path: '/state', message: 'is not allowed here' },
    ]);
  });
});
