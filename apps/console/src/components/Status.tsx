import { describeError } from '../api/client';

/** A problem shown in words (the problem document's detail), announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  return (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}

export function Loading() {
  return (
    <p aria-busy="true" className="muted">
      Loading…
    </p>
  );
}

export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value}`}>{value}</span>;
}

/** A time in the reader's zone, UTC on hover. */
export function When({ at }: { at: string | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={date.toISOString()}>
      {date.toLocaleString()}
    </time>
  );
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** An error value (a string or an object from the API) as text: rendered as text, never as markup. */
export function errorText(error: unknown): string {
  if (error === undefined || error === null) return '';
  if (typeof error === 'string') return error;
  const record = error as Record<string, unknown>;
  if (typeof record['message'] === 'string') return record['message'];
  return JSON.stringify(error);
}
