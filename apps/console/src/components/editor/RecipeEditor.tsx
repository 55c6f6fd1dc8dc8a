import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { yaml } from '@codemirror/lang-yaml';
import { forceLinting, linter, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState, StateEffect } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import type { FieldError } from '../../api/client';
import { definitionMarks } from './definition-marks';
import type { DefinitionFormat } from './definition-text';
import { cursorPlace, schemaOptions } from './schema-completion';

function styleNonce(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';
}

interface Props {
  value: string;
  onChange: (value: string) => void;
  format: DefinitionFormat;
  readOnly: boolean;
  /** id of the element naming the editor (a visible label). */
  labelledBy: string;
  describedBy?: string;
  /** The server's errors (JSON pointers) for the text as it is, underlined at the values they name. */
  serverErrors: FieldError[];
}

/**
 * Says the server's errors (or the format) changed: the linter runs again without a change to the
 * text. forceLinting alone runs only a lint already pending after an edit.
 */
const marksChanged = StateEffect.define<null>();

const languageOf = (format: DefinitionFormat) => (format === 'json' ? json() : yaml());

/** Keys, values and step kinds from the recipe schema, at the cursor. */
function completeFromSchema(format: () => DefinitionFormat) {
  return (context: CompletionContext): CompletionResult | null => {
    const place = cursorPlace(context.state.doc.toString(), context.pos, format());
    if (!place) return null;
    const options = schemaOptions(place, format());
    // nothing typed yet: the list opens on Ctrl-Space, not on every new line
    if (options.length === 0 || (!context.explicit && place.from === place.to)) return null;
    return { from: place.from, to: place.to, options, validFor: /^"?[\w$.-]*"?$/ };
  };
}

/**
 * CodeMirror 6 for a recipe definition in JSON or YAML: syntax errors, the recipe schema's errors
 * and the server's 422 errors underlined at their paths, completion from the schema. Loaded on
 * demand (its own chunk), so the shell stays small.
 */
export default function RecipeEditor({ value, onChange, format, readOnly, labelledBy, describedBy, serverErrors }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  // the editor is made once per mount: what changes later is read through refs
  const changed = useRef(onChange);
  changed.current = onChange;
  const current = useRef({ format, serverErrors });
  current.current = { format, serverErrors };

  useEffect(() => {
    if (!host.current) return;
    const jsonSyntax = jsonParseLinter();
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          // CodeMirror's theme goes in a <style> element: the CSP lets it apply with the page's nonce
          EditorView.cspNonce.of(styleNonce()),
          language.current.of(languageOf(current.current.format)),
          linter(
            (v): Diagnostic[] => [
              ...(current.current.format === 'json' ? jsonSyntax(v) : []),
              ...definitionMarks(v.state, current.current.format, current.current.serverErrors).map(({ from, to, message, source }) => ({
                from,
                to,
                message,
                source,
                severity: 'error' as const,
              })),
            ],
            { needsRefresh: (update) => update.transactions.some((tr) => tr.effects.some((e) => e.is(marksChanged))) },
          ),
          autocompletion({ override: [completeFromSchema(() => current.current.format)] }),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({
            'aria-labelledby': labelledBy,
            ...(describedBy ? { 'aria-describedby': describedBy } : {}),
            ...(readOnly ? { 'aria-readonly': 'true' } : {}),
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // value, format and errors are pushed in by the effects below
  }, [readOnly, labelledBy, describedBy]);

  // a new text from outside (a newer version, the other format) replaces the document
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(languageOf(format)) });
  }, [format]);

  // the marks follow the server's answer at once, not after the linter's typing delay
  useEffect(() => {
    if (!view.current) return;
    view.current.dispatch({ effects: marksChanged.of(null) });
    forceLinting(view.current);
  }, [serverErrors, format]);

  return <div ref={host} className="code-editor" />;
}
