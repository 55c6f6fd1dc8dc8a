import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { linter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import type { FieldError } from '../api/client';
import { pointerRange } from './json-pointer';

function styleNonce(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';
}

interface Props {
  value: string;
  onChange: (value: string) => void;
  readOnly: boolean;
  /** id of the element naming the editor (a visible label). */
  labelledBy: string;
  describedBy?: string;
  /** The server's errors (JSON pointers), shown inline at the values they name. */
  errors: FieldError[];
}

/**
 * CodeMirror 6 with JSON: syntax errors while typing, and the API's 422 errors underlined at
 * their paths. Loaded on demand (its own chunk), so the shell stays small.
 */
export default function JsonEditor({ value, onChange, readOnly, labelledBy, describedBy, errors }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          // CodeMirror's theme goes in a <style> element: the CSP lets it apply with the page's nonce
          EditorView.cspNonce.of(styleNonce()),
          json(),
          linter(jsonParseLinter()),
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
    // the editor is made once per mount; value and errors are pushed in by the effects below
  }, [readOnly, labelledBy, describedBy]);

  // a new text from outside (a newer version) replaces the document
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const diagnostics: Diagnostic[] = errors.map((e) => ({
      ...pointerRange(editor.state, e.path),
      severity: 'error',
      message: `${e.path || '/'}: ${e.message}`,
      source: 'server',
    }));
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [errors]);

  return <div ref={host} className="json-editor" />;
}
