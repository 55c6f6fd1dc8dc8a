import { Link, useParams } from '@tanstack/react-router';
import { useJob, useJobAction, useJobLive } from '../api/jobs';
import { can } from '../api/permissions';
import { useSession } from '../api/session';
import { TERMINAL, type Job, type JobStep } from '../api/types';
import { ConfirmButton } from '../components/Confirm';
import { JsonView } from '../components/JsonView';
import { stepWait, thirdPartyResponse } from '../components/step-error';
import { Badge, duration, ErrorNote, errorText, Loading, When } from '../components/Status';

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
            <ConfirmButton
              label="Rerun"
              question="Rerun this job from its failed step, on the version it ran? Completed steps keep their outputs."
              confirmLabel="Rerun job"
              onConfirm={() => action.mutate('rerun')}
              disabled={action.isPending}
            />
          )}
          {!done && (
            <ConfirmButton
              label="Cancel job"
              danger
              question="Cancel this job? Steps not yet run will not run."
              confirmLabel="Yes, cancel it"
              onConfirm={() => action.mutate('cancel')}
              disabled={action.isPending}
            />
          )}
        </div>
      )}
      {action.error && <ErrorNote error={action.error} />}
      <h2>Steps</h2>
      {job.steps.length === 0 ? <p className="muted">{done ? 'No step ran.' : 'No step has finished yet.'}</p> : <Timeline steps={job.steps} />}
    </section>
  );
}

function Timeline({ steps }: { steps: JobStep[] }) {
  return (
    <ol className="timeline" aria-label="Step timeline">
      {steps.map((step, i) => (
        <li key={step.seq} className={`step step-${step.status}`}>
          <div className="row">
            <strong>{step.stepKey}</strong>
            <span className="muted">{step.kind}</span>
            <Badge value={step.status} />
            <span>attempt {step.attempt ?? 1}</span>
            <span>{duration(step.durationMs)}</span>
            <When at={step.startedAt} />
          </div>
          <StepWait step={step} next={steps.slice(i + 1).find((later) => later.stepKey === step.stepKey)} />
          {step.error !== undefined && <StepError error={step.error} />}
          {step.input !== undefined && <JsonView label="Input" value={step.input} />}
          {step.output !== undefined && <JsonView label="Output" value={step.output} />}
        </li>
      ))}
    </ol>
  );
}

/** A retrying or deferred record is a wait: for the third party's Retry-After, an open circuit, or a backoff. */
function StepWait({ step, next }: { step: JobStep; next: JobStep | undefined }) {
  if (step.status !== 'retrying' && step.status !== 'deferred') return null;
  const wait = stepWait(step.error, step.finishedAt, next?.startedAt);
  return (
    <p className="wait">
      {wait.reason}: {wait.waitedMs !== undefined ? `waited ${duration(wait.waitedMs)} before the next attempt` : 'waiting for the next attempt'}
    </p>
  );
}

/** The step's error in words, and the third party's answer (status and body) when it sent one. */
function StepError({ error }: { error: unknown }) {
  const response = thirdPartyResponse(error);
  return (
    <div className="step-error">
      <pre className="error">{errorText(error)}</pre>
      {response && <JsonView label={response.status !== undefined ? `Third party's response (HTTP ${response.status})` : "Third party's response"} value={response.body} />}
    </div>
  );
}
