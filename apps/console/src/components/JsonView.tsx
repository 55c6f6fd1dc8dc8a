import type { ReactNode } from 'react';
import { REDACTED, redactedCount } from './step-error';

function render(value: unknown, indent: string): ReactNode {
  if (value === REDACTED) {
    return (
      <span className="redacted" title="Redacted by the server: never stored in job data">
        redacted
      </span>
    );
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return (
      <>
        {'[\n'}
        {value.map((item, i) => (
          <span key={i}>
            {inner}
            {render(item, inner)}
            {i < value.length - 1 ? ',\n' : '\n'}
          </span>
        ))}
        {`${indent}]`}
      </>
    );
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return (
      <>
        {'{\n'}
        {entries.map(([key, item], i) => (
          <span key={key}>
            {`${inner}${JSON.stringify(key)}: `}
            {render(item, inner)}
            {i < entries.length - 1 ? ',\n' : '\n'}
          </span>
        ))}
        {`${indent}}`}
      </>
    );
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** A JSON value, collapsed under a summary; redacted values shown as such (as text, never markup). */
export function JsonView({ label, value }: { label: string; value: unknown }) {
  const redacted = redactedCount(value);
  return (
    <details className="json-view">
      <summary>
        {label}
        {redacted > 0 && <span className="muted"> ({redacted === 1 ? '1 value' : `${redacted} values`} redacted)</span>}
      </summary>
      <pre>{render(value, '')}</pre>
    </details>
  );
}
