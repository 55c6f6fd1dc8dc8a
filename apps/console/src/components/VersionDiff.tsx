import { useMemo } from 'react';
import { diffDefinitions, type DiffLine } from './version-diff';

const MARK: Record<DiffLine['kind'], string> = { added: '+ ', removed: '- ', same: '  ', fold: '' };

export function VersionDiff({ before, after, label }: { before: unknown; after: unknown; label: string }) {
  const lines = useMemo(() => diffDefinitions(before, after), [before, after]);
  const changed = lines.some((l) => l.kind === 'added' || l.kind === 'removed');
  if (!changed) return <p className="muted">No differences.</p>;
  return (
    <pre className="diff" aria-label={label}>
      {lines.map((line, i) => (
        <span key={i} className={`diff-${line.kind}`}>
          {MARK[line.kind]}
          {line.text}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}
