import { useState } from 'react';

type Values = Record<string, string | number | boolean | undefined>;

interface Props {
  onChange: (values: Values) => void;
  /** Prefix of the inputs' ids, unique on the page. */
  idPrefix: string;
  /** Values are write-only (password inputs, never filled in by the browser). */
  secret: boolean;
}

/**
 * Name/value pairs for a schema of any field names (the http connector's own fields). The values
 * live only in this form's state and its inputs; a blank name drops its pair.
 */
export function FieldPairs({ onChange, idPrefix, secret }: Props) {
  const [pairs, setPairs] = useState([{ name: '', value: '' }]);
  const update = (next: { name: string; value: string }[]) => {
    setPairs(next);
    onChange(Object.fromEntries(next.filter((p) => p.name.trim() !== '').map((p) => [p.name.trim(), p.value])));
  };
  return (
    <fieldset className="field-pairs">
      <legend>Fields</legend>
      {pairs.map((pair, i) => (
        <div key={i} className="row">
          <label htmlFor={`${idPrefix}-pair-name-${i}`}>Field name {i + 1}</label>
          <input
            id={`${idPrefix}-pair-name-${i}`}
            value={pair.name}
            maxLength={128}
            autoComplete="off"
            onChange={(e) => update(pairs.map((p, j) => (j === i ? { ...p, name: e.target.value } : p)))}
          />
          <label htmlFor={`${idPrefix}-pair-value-${i}`}>Value {i + 1}</label>
          <input
            id={`${idPrefix}-pair-value-${i}`}
            type={secret ? 'password' : 'text'}
            autoComplete={secret ? 'new-password' : 'off'}
            value={pair.value}
            onChange={(e) => update(pairs.map((p, j) => (j === i ? { ...p, value: e.target.value } : p)))}
          />
          <button type="button" aria-label={`Remove field ${i + 1}`} disabled={pairs.length === 1} onClick={() => update(pairs.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => update([...pairs, { name: '', value: '' }])}>
        Add field
      </button>
    </fieldset>
  );
}
