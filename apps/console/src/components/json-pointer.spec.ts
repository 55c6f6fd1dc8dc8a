import { EditorState } from '@codemirror/state';
import { ensureSyntaxTree } from '@codemirror/language';
import { json } from '@codemirror/lang-json';
import { pointerRange } from './json-pointer';

/** The text a pointer lands on, as the editor would underline it. */
function marked(doc: string, pointer: string): string {
  const state = EditorState.create({ doc, extensions: [json()] });
  ensureSyntaxTree(state, state.doc.length, 5000);
  const { from, to } = pointerRange(state, pointer);
  return state.sliceDoc(from, to);
}

const recipe = JSON.stringify(
  {
    name: 'orders',
    trigger: { type: 'webhook' },
    steps: [
      { id: 'shape', set: { order: '{{ trigger.body.id }}' } },
      { id: 'post', action: 'http.request', input: { url: 'https://x.example', 'a/b': 1, 'c~d': 2 } },
    ],
  },
  null,
  2,
);

describe("pointerRange: the API's 422 JSON pointers placed in the editor's text", () => {
  it('finds a property value, nested through objects and arrays', () => {
    expect(marked(recipe, '/name')).toBe('"orders"');
    expect(marked(recipe, '/trigger/type')).toBe('"webhook"');
    expect(marked(recipe, '/steps/1/action')).toBe('"http.request"');
    expect(marked(recipe, '/steps/0/set/order')).toBe('"{{ trigger.body.id }}"');
  });

  it('marks a whole object or array value when the pointer names it', () => {
    expect(marked(recipe, '/trigger')).toBe('{\n    "type": "webhook"\n  }');
    expect(marked('{"steps":"not a list"}', '/steps')).toBe('"not a list"');
  });

  it('unescapes ~1 and ~0 in segments (RFC 6901)', () => {
    expect(marked(recipe, '/steps/1/input/a~1b')).toBe('1');
    expect(marked(recipe, '/steps/1/input/c~0d')).toBe('2');
  });

  it('falls back to the deepest part that exists: a missing property marks its object, an index past the end its array', () => {
    expect(marked('{"trigger":{}}', '/trigger/type')).toBe('{}');
    expect(marked('{"steps":[{"id":"a"}]}', '/steps/3/id')).toBe('[{"id":"a"}]');
  });

  it('marks the whole document for the root pointer, and survives text that is not JSON', () => {
    expect(marked('{"a":1}', '')).toBe('{"a":1}');
    expect(() => marked('{"a": [1, ', '/a/5')).not.toThrow();
    expect(marked('', '/a')).toBe('');
  });
});
