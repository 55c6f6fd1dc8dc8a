import { useState } from 'react';
import { Link } from '@tanstack/react-router';
import { useBulkRerun, type BulkRerunResult, type RerunVersion } from '../api/jobs';
import { ConfirmButton } from '../components/Confirm';
import { ErrorNote } from '../components/Status';

const VERSION_NAMES: Record<RerunVersion, string> = { ran: 'the version each job ran on', latest: "the recipe's latest version" };

/**
 * Rerun a recipe's failed jobs (within the page's time range), on the version each ran or the
 * latest, after a confirmation; then each job with the version its rerun uses, or why not. A
 * next batch is offered when more failed jobs are left.
 */
export function BulkRerun({ recipeId, recipeName, since }: { recipeId: string; recipeName: string; since?: string }) {
  const rerun = useBulkRerun();
  const [version, setVersion] = useState<RerunVersion>('ran');
  const run = (cursor?: string) => rerun.mutate({ recipeId, version, ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) });
  return (
    <div className="bulk-rerun">
      <div className="row">
        <label htmlFor="bulk-rerun-version">Rerun on</label>
        <select id="bulk-rerun-version" value={version} onChange={(e) => setVersion(e.target.value as RerunVersion)}>
          {(Object.keys(VERSION_NAMES) as RerunVersion[]).map((v) => (
            <option key={v} value={v}>
              {VERSION_NAMES[v]}
            </option>
          ))}
        </select>
        <ConfirmButton
          label="Rerun failed jobs"
          disabled={rerun.isPending}
          question={`Rerun the failed jobs of “${recipeName}”${since ? ' in this time range' : ''} (newest first, 50 at most), each from its failed step on ${VERSION_NAMES[version]}?`}
          confirmLabel="Rerun failed jobs"
          onConfirm={() => run()}
        />
      </div>
      {rerun.error && <ErrorNote error={rerun.error} />}
      {rerun.data && <RerunOutcomes result={rerun.data} onNext={rerun.data.nextCursor ? () => run(rerun.data.nextCursor) : undefined} />}
    </div>
  );
}

export function RerunOutcomes({ result, onNext }: { result: BulkRerunResult; onNext?: () => void }) {
  if (result.items.length === 0) return <p role="status">No failed jobs to rerun.</p>;
  return (
    <div role="status">
      <ul aria-label="Reruns" className="rerun-outcomes">
        {result.items.map((item) => (
          <li key={item.id} className={item.error ? 'error' : undefined}>
            <Link to="/jobs/$jobId" params={{ jobId: item.id }}>
              <code>{item.id}</code>
            </Link>{' '}
            {item.rerun
              ? `rerun on version ${item.rerun.version}${item.rerun.version !== item.rerun.fromVersion ? ` (ran on ${item.rerun.fromVersion})` : ''}`
              : `not rerun: ${item.error?.message ?? item.error?.code ?? 'failed'}`}
          </li>
        ))}
      </ul>
      {onNext && (
        <button type="button" onClick={onNext}>
          Rerun the next failed jobs
        </button>
      )}
    </div>
  );
}
