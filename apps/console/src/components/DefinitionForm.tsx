import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { ApiError, type FieldError } from '../api/client';
import { ErrorNote } from './Status';

// CodeMirror is the biggest part of the console: its own chunk, loaded when a definition is shown
const JsonEditor = lazy(() => import('./JsonEditor'));
const NO_ERRORS: FieldError[] = [];

interface Props {
  /** The text to edit; a new value (a newer version from the server) replaces what is typed. */
  initial: string;
  editable: boolean;
  submitLabel: string;
  pending: boolean;
  /** The last submit's failure: a 422's errors are listed and underlined at their JSON pointers. */
  error: unknown;
  onSubmit: (definition: unknown) => void;
  /** What the last submit did, in words. */
  done?: ReactNode;
}

/** A recipe definition as JSON in the editor, checked as JSON here and as a recipe by the server. */
export function DefinitionForm({ initial, editable, submitLabel, pending, error, onSubmit, done }: Props) {
  const [text, setText] = useState(initial);
  const [parseError, setParseError] = useState<string | null>(null);
  useEffect(() => setText(initial), [initial]);

  const fieldErrors: FieldError[] = error instanceof ApiError ? error.errors : NO_ERRORS;
  function submit() {
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (e) {
      setParseError(`Not valid JSON: ${(e as Error).message}`);
      return;
    }
    setParseError(null);
    onSubmit(definition);
  }

  return (
    <form
      className="editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label id="definition-label">Definition (JSON)</label>
      <Suspense fallback={<textarea rows={12} readOnly aria-busy="true" aria-labelledby="definition-label" value={text} />}>
        <JsonEditor value={text} onChange={setText} readOnly={!editable} labelledBy="definition-label" describedBy="definition-errors" errors={fieldErrors} />
      </Suspense>
      <div id="definition-errors">
        {parseError && (
          <p role="alert" className="error">
            {parseError}
          </p>
        )}
        {error !== null && error !== undefined && fieldErrors.length === 0 && <ErrorNote error={error} />}
        {fieldErrors.length > 0 && (
          <div role="alert">
            <ul className="error field-errors" aria-label="Errors in the definition">
              {fieldErrors.map((f, i) => (
                <li key={`${f.path}-${i}`}>
                  <code>{f.path || '/'}</code> {f.message}
                </li>
              ))}
            </ul>
          </div>
        )}
        {done}
      </div>
      {editable && (
        <button type="submit" className="primary" disabled={pending}>
          {submitLabel}
        </button>
      )}
    </form>
  );
}
