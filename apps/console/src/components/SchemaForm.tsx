import type { FormField } from './schema-fields';

type Values = Record<string, string | number | boolean | undefined>;

interface Props {
  fields: FormField[];
  values: Values;
  onChange: (values: Values) => void;
  /** Prefix of the inputs' ids, unique on the page. */
  idPrefix: string;
  /** Editing: secret fields say they are kept unless typed. */
  editing?: boolean;
}

/** The inputs of a form generated from a JSON Schema (see fieldsOf): labelled, required marked, descriptions linked. */
export function SchemaForm({ fields, values, onChange, idPrefix, editing }: Props) {
  const set = (name: string, value: string | number | boolean | undefined) => onChange({ ...values, [name]: value });
  return (
    <div className="schema-form">
      {fields.map((field) => {
        const id = `${idPrefix}-${field.name}`;
        const hint = field.description || (editing && field.kind === 'secret') ? `${id}-hint` : undefined;
        const value = values[field.name];
        return (
          <div key={field.name} className="schema-field">
            <label htmlFor={id}>
              {field.label}
              {field.required && (
                <span className="required" aria-hidden="true">
                  {' '}
                  *
                </span>
              )}
            </label>
            {field.kind === 'choice' ? (
              <select id={id} required={field.required} aria-describedby={hint} value={String(value ?? '')} onChange={(e) => set(field.name, e.target.value || undefined)}>
                {!field.required && <option value="">—</option>}
                {(field.choices ?? []).map((choice) => (
                  <option key={choice} value={choice}>
                    {choice}
                  </option>
                ))}
              </select>
            ) : field.kind === 'boolean' ? (
              <input id={id} type="checkbox" aria-describedby={hint} checked={value === true} onChange={(e) => set(field.name, e.target.checked)} />
            ) : (
              <input
                id={id}
                type={field.kind === 'secret' ? 'password' : field.kind === 'number' ? 'number' : 'text'}
                // a secret is never filled in by the browser from an earlier one, nor offered to be saved from here
                autoComplete={field.kind === 'secret' ? 'new-password' : 'off'}
                required={field.required && !editing}
                aria-required={field.required}
                aria-describedby={hint}
                min={field.minimum}
                max={field.maximum}
                value={value === undefined ? '' : String(value)}
                onChange={(e) => set(field.name, field.kind === 'number' ? (e.target.value === '' ? undefined : Number(e.target.value)) : e.target.value)}
              />
            )}
            {hint && (
              <small id={hint} className="muted">
                {[field.description, editing && field.kind === 'secret' ? 'Write-only: never shown. Type it to replace it.' : undefined].filter(Boolean).join(' ')}
              </small>
            )}
          </div>
        );
      })}
    </div>
  );
}
