import type { EditorState } from '@codemirror/state';
import { parseDocument } from 'yaml';
import type { FieldError } from '../../api/client';
import type { DefinitionFormat } from './definition-text';
import { pointerRange } from './json-pointer';
import { schemaErrors } from './schema-errors';
import { yamlPointerRange } from './yaml-pointer';

/** Something to underline in the editor: a range of the text and what is wrong there. */
export interface Mark {
  from: number;
  to: number;
  message: string;
  source: 'yaml' | 'schema' | 'server';
}

const atPath = (e: FieldError) => `${e.path || '/'}: ${e.message}`;

/**
 * What the editor underlines in a definition: YAML syntax errors (JSON's come from CodeMirror's own
 * JSON linter), else the recipe schema's errors, and the server's 422 errors, each at the value
 * its JSON pointer names, in either format. The state must hold the JSON language in JSON mode.
 */
export function definitionMarks(state: EditorState, format: DefinitionFormat, serverErrors: readonly FieldError[]): Mark[] {
  const text = state.doc.toString();
  let locate: (pointer: string) => { from: number; to: number };
  let definition: unknown;
  if (format === 'json') {
    try {
      definition = JSON.parse(text);
    } catch {
      return [];
    }
    locate = (pointer) => pointerRange(state, pointer);
  } else {
    const document = parseDocument(text);
    if (document.errors.length > 0) {
      return document.errors.map((e) => ({
        from: Math.min(e.pos[0], text.length),
        to: Math.min(Math.max(e.pos[1], e.pos[0] + 1), text.length),
        message: e.message,
        source: 'yaml',
      }));
    }
    definition = document.toJS();
    locate = (pointer) => yamlPointerRange(document, pointer);
  }
  return [
    ...schemaErrors(definition).map((e): Mark => ({ ...locate(e.path), message: atPath(e), source: 'schema' })),
    ...serverErrors.map((e): Mark => ({ ...locate(e.path), message: atPath(e), source: 'server' })),
  ];
}
