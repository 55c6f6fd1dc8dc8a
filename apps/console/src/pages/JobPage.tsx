import { useState } from 'react';
import { Link, useParams } from '@tanstack/react-router';
import { useJob, useJobAction, useJobLive } from '../api/jobs';
import { can } from '../api/permissions';
import { useSession } from '../api/session';
import { TERMINAL, type Job, type RerunVersion, type RerunView } from '../api/types';
import { ConfirmButton } from '../components/Confirm';
import { Badge, ErrorNote, errorText, Loading, When } from '../components/Status';
import { Timeline } from '../components/StepTimeline';

export function JobPage() {
  const { jobId } = useParams({ from: '/jobs/$jobId' });
  const job = useJob(jobId);
  const live = useJobLive(jobId, job.data?.status);
  if (job.isPending) return <Loading />;
  if (job.error) return <ErrorNote error={job.error} />;
  return <JobDetail job={job.data} live={live} />;
}

function JobDetail({ job, live }: { job: Job; live: boolean }) {
  const { me } = useSession();
  const [version, setVersion] = useState<RerunVersion>('ran');
  const action = useJobAction(job.id);
  const operate = can(me, 'jobs:operate');
  const done = TERMINAL.includes(job.status);
  return (
    <section aria-labelledby="job-title">
      <p>
        <Link to="/jobs" search={{ recipeId: job.recipeId }}>
          ← Jobs of this recipe
        </Link>
      </p>
      <h1 id="job-title">
        Job <code>{job.id}</code>
      </h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <Badge value={job.status} /> {live && <span className="muted">(live)</span>}
        </dd>
        <dt>Recipe</dt>
        <dd>
          <Link to="/recipes/$recipeId" params={{ recipeId: job.recipeId }}>
            <code>{job.recipeId}</code>
          </Link>{' '}
          version {job.recipeVersion}
        </dd>
        <dt>Created</dt>
        <dd>
          <When at={job.createdAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <When at={job.finishedAt} />
        </dd>
        {job.error !== undefined && (
          <>
            <dt>Error</dt>
            <dd className="error">{errorText(job.error)}</dd>
          </>
        )}
      </dl>
      {operate && (
        <div className="row">
          {job.status === 'failed' && (
            <>
              <label htmlFor="rerun-version">Rerun on</label>
              <select id="rerun-version" value={version} onChange={(e) => setVersion(e.target.value as RerunVersion)}>
                <option value="ran">version {job.recipeVersion} (the one it ran)</option>
                <option value="latest">the recipe's latest version</option>
              </select>
              <ConfirmButton
                label="Rerun"
                question={`Rerun this job from its failed step, on ${version === 'ran' ? `version ${job.recipeVersion}, the one it ran` : "the recipe's latest version"}? Completed steps keep their outputs.`}
                confirmLabel="Rerun job"
                onConfirm={() => action.mutate({ action: 'rerun', version })}
                disabled={action.isPending}
              />
            </>
          )}
          {!done && (
            <ConfirmButton
              label="Cancel job"
              danger
              question="Cancel this job? Steps not yet run will not run."
              confirmLabel="Yes, cancel it"
              onConfirm={() => action.mutate({ action: 'cancel' })}
              disabled={action.isPending}
            />
          )}
        </div>
      )}
      {action.error && <ErrorNote error={action.error} />}
      {action.data?.rerun && (
        <p role="status">
          Rerun on version {action.data.rerun.version}
          {action.data.rerun.version !== action.data.rerun.fromVersion ? ` (it ran on ${action.data.rerun.fromVersion})` : ''}: {rerunSteps(action.data.rerun)}.
        </p>
      )}
      {job.reruns && job.reruns.length > 0 && <Reruns reruns={job.reruns} />}
      <h2>Steps</h2>
      {job.steps.length === 0 ? <p className="muted">{done ? 'No step ran.' : 'No step has finished yet.'}</p> : <Timeline steps={job.steps} />}
    </section>
  );
}

/** Which steps a rerun keeps, runs again and drops, in words. */
function rerunSteps(rerun: RerunView): string {
  const list = (names: string[]) => (names.length > 0 ? names.join(', ') : 'none');
  return `kept ${list(rerun.kept)}; runs again ${list(rerun.again)}${rerun.dropped.length > 0 ? `; dropped ${list(rerun.dropped)}` : ''}`;
}

/** The job's reruns, oldest first: when, on which version (from which), and what each kept. */
function Reruns({ reruns }: { reruns: RerunView[] }) {
  return (
    <>
      <h2>Reruns</h2>
      <ol aria-label="Reruns" className="reruns">
        {reruns.map((rerun, i) => (
          <li key={i}>
            <When at={rerun.at} /> — version {rerun.version}
            {rerun.version !== rerun.fromVersion ? ` (ran on ${rerun.fromVersion})` : ''}, {rerun.basis === 'latest' ? 'the latest' : 'the one it ran'}: {rerunSteps(rerun)}
          </li>
        ))}
      </ol>
    </>
  );
}
