import { useEffect, useMemo, useState } from 'react';
import { ApiError, type FieldError } from '../../api/client';
import { ErrorNote } from '../Status';
import type { DefinitionFormProps } from './definition-form-props';
import { FORMAT_NAMES, parseDefinition, renderDefinition, sameDefinition, type DefinitionFormat } from './definition-text';
import RecipeEditor from './RecipeEditor';

const NO_ERRORS: FieldError[] = [];
const FORMATS: DefinitionFormat[] = ['json', 'yaml'];

/**
 * A recipe definition in the editor, as JSON or YAML (a toggle), checked against the recipe schema
 * while typing and by the server on submit. Comments typed in YAML stay while the text still holds
 * the definition the server has (a save that changed nothing else keeps them).
 */
export default function RecipeDefinitionForm({ definition, editable, submitLabel, pending, error, onSubmit, done }: DefinitionFormProps) {
  const [format, setFormat] = useState<DefinitionFormat>('json');
  const [text, setText] = useState(() => renderDefinition(definition, 'json'));
  const [problem, setProblem] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<unknown>(undefined);
  const parsed = useMemo(() => parseDefinition(text, format), [text, format]);

  // a newer definition from the server replaces the text, unless the text already says the same
  useEffect(() => {
    setText((old) => {
      const now = parseDefinition(old, format);
      return now.ok && sameDefinition(now.value, definition) ? old : renderDefinition(definition, format);
    });
    // the format is read, not followed: switching is done by switchTo
  }, [definition]);

  const fieldErrors: FieldError[] = error instanceof ApiError ? error.errors : NO_ERRORS;
  // the 422's marks belong to the definition that was sent: shown while the text still holds it (in either format)
  const markedErrors = parsed.ok && submitted !== undefined && sameDefinition(parsed.value, submitted) ? fieldErrors : NO_ERRORS;

  function switchTo(next: DefinitionFormat) {
    if (next === format) return;
    if (!parsed.ok) {
      setProblem(`Not valid ${FORMAT_NAMES[format]}, so not shown as ${FORMAT_NAMES[next]}: ${parsed.message}`);
      return;
    }
    setProblem(null);
    setFormat(next);
    setText(renderDefinition(parsed.value, next));
  }

  function submit() {
    if (!parsed.ok) {
      setProblem(`Not valid ${FORMAT_NAMES[format]}: ${parsed.message}`);
      return;
    }
    setProblem(null);
    setSubmitted(parsed.value);
    onSubmit(parsed.value);
  }

  return (
    <form
      className="editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="row editor-head">
        <label id="definition-label">Definition ({FORMAT_NAMES[format]})</label>
        <fieldset className="segmented">
          <legend className="visually-hidden">Format</legend>
          {FORMATS.map((f) => (
            <label key={f}>
              <input type="radio" name="definition-format" value={f} checked={format === f} onChange={() => switchTo(f)} />
              {FORMAT_NAMES[f]}
            </label>
          ))}
        </fieldset>
      </div>
      <RecipeEditor
        value={text}
        onChange={setText}
        format={format}
        readOnly={!editable}
        labelledBy="definition-label"
        describedBy="definition-errors"
        serverErrors={markedErrors}
      />
      <div id="definition-errors">
        {problem && (
          <p role="alert" className="error">
            {problem}
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
