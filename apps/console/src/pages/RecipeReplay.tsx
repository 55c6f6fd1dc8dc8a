import { useState, type FormEvent } from 'react';
import { Link } from '@tanstack/react-router';
import { JOB_RANGES } from '../api/job-range';
import { jobChanged, REPLAY_MAX_JOBS, useReplay, type JobReplay, type ReplayFieldChange, type ReplayFilter, type ReplayResult } from '../api/replay';
import { JOB_STATUSES } from '../api/types';
import { JsonView } from '../components/JsonView';
import { REDACTED } from '../components/step-error';
import { Badge, ErrorNote } from '../components/Status';

const CHANGES: Record<string, string> = { inputChanged: 'input changed', added: 'added', removed: 'removed' };
const CALL_REASONS: Record<string, string> = { inputChanged: 'its input changed', added: 'a new step', unfinished: 'not recorded (the job did not get there)' };

/**
 * Replay a version over the recipe's recorded jobs (the newest N, or those a status and time range
 * match) and show what it would change: per job the status before → after, the steps whose input
 * differs with their field paths, the calls it would make anew, and the output's diff. The API
 * sends nothing and writes no job; the page says so. For builders (and admins): `recipes:write`.
 */
export function RecipeReplay({ recipeId, numbers }: { recipeId: string; numbers: number[] }) {
  const replay = useReplay(recipeId);
  const [version, setVersion] = useState(numbers[0]);
  const [limit, setLimit] = useState('20');
  const [status, setStatus] = useState('');
  const [range, setRange] = useState('');
  const [ranOn, setRanOn] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const filter: ReplayFilter = { limit: Number(limit) };
    if (status) filter.status = status;
    const span = range ? JOB_RANGES[range] : undefined;
    if (span) filter.since = new Date(Date.now() - span.ms).toISOString();
    if (ranOn) filter.version = Number(ranOn);
    replay.mutate({ version, jobs: { filter } });
  };

  return (
    <div className="replay">
      <h3 id="replay-title">Replay</h3>
      <p className="muted">
        Run a version over jobs this recipe already ran, to see what it would change. Calls are answered from the recording: nothing is sent to any connection and no job is
        written.
      </p>
      <form className="filters row" aria-labelledby="replay-title" onSubmit={submit}>
        <label>
          Version to replay
          <select value={version} onChange={(e) => setVersion(Number(e.target.value))}>
            {numbers.map((n) => (
              <option key={n} value={n}>
                version {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Newest jobs
          <input type="number" min={1} max={REPLAY_MAX_JOBS} required value={limit} onChange={(e) => setLimit(e.target.value)} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created
          <select value={range} onChange={(e) => setRange(e.target.value)}>
            <option value="">Any time</option>
            {Object.entries(JOB_RANGES).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Ran on
          <select value={ranOn} onChange={(e) => setRanOn(e.target.value)}>
            <option value="">Any version</option>
            {numbers.map((n) => (
              <option key={n} value={n}>
                version {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={replay.isPending}>
          {replay.isPending ? 'Replaying…' : 'Replay'}
        </button>
      </form>
      {replay.error && <ErrorNote error={replay.error} />}
      {replay.data && !replay.isPending && <ReplayReport result={replay.data} />}
    </div>
  );
}

/** The summary, then each job: changed ones in full, unchanged ones as one line. */
export function ReplayReport({ result }: { result: ReplayResult }) {
  const { summary } = result;
  return (
    <section aria-label="Replay report" className="replay-report">
      <p role="status">
        <strong>Nothing was sent:</strong> no connection was called and no job was written. Version {result.version} over {summary.jobs} {summary.jobs === 1 ? 'job' : 'jobs'}:{' '}
        {summary.changed} changed, {summary.callsAnew} {summary.callsAnew === 1 ? 'call' : 'calls'} would be made anew.
      </p>
      {result.jobs.length === 0 ? (
        <p className="muted">No jobs match.</p>
      ) : (
        <ul className="replay-jobs" aria-label="Replayed jobs">
          {result.jobs.map((job) => (
            <JobReport key={job.jobId} job={job} />
          ))}
        </ul>
      )}
    </section>
  );
}

function JobReport({ job }: { job: JobReplay }) {
  const changed = jobChanged(job);
  const steps = job.steps.filter((s) => s.change !== 'same');
  return (
    <li className="replay-job" aria-label={`Job ${job.jobId}`}>
      <div className="row">
        <Link to="/jobs/$jobId" params={{ jobId: job.jobId }}>
          <code>{job.jobId}</code>
        </Link>
        <span aria-label="Status before and after">
          <Badge value={job.status.before} /> → <Badge value={job.status.after} />
        </span>
        {job.approximate && (
          <span className="muted" title="A call was made anew: what follows it continued from the recorded outcome or null">
            approximate
          </span>
        )}
        {!changed && <span className="muted">unchanged</span>}
      </div>
      {job.error && <p className="error">Could not replay: {job.error}</p>}
      {steps.length > 0 && (
        <div className="table-wrap">
          <table aria-label={`Changed steps of ${job.jobId}`}>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Change</th>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {steps.flatMap((step) => {
                const diff = step.inputDiff && step.inputDiff.length > 0 ? step.inputDiff : [undefined];
                return diff.map((field, i) => (
                  <tr key={`${step.stepKey}:${field?.path ?? i}`}>
                    <td>
                      <code>{step.stepKey}</code>
                      {step.served === 'anew' && <span className="muted"> (called anew)</span>}
                    </td>
                    <td>{CHANGES[step.change] ?? step.change}</td>
                    <FieldCells field={field} />
                  </tr>
                ));
              })}
            </tbody>
          </table>
        </div>
      )}
      {job.calls.length > 0 && (
        <div className="replay-calls">
          <p>
            Calls this version would make anew (<strong>not sent</strong>):
          </p>
          <ul aria-label={`Calls anew of ${job.jobId}`}>
            {job.calls.map((call) => (
              <li key={call.stepKey}>
                <code>{call.stepKey}</code>: <code>{call.action}</code>
                {call.connection && (
                  <>
                    {' '}
                    on <code>{call.connection}</code>
                  </>
                )}
                , {CALL_REASONS[call.reason] ?? call.reason}; the replay went on with {call.continuedWith === 'recorded' ? 'the recorded outcome' : 'null'}.
                <JsonView label="Input it would send" value={call.input} />
              </li>
            ))}
          </ul>
        </div>
      )}
      {job.output.diff.length > 0 && (
        <div className="table-wrap">
          <table aria-label={`Output changes of ${job.jobId}`}>
            <thead>
              <tr>
                <th scope="col">Output field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {job.output.diff.map((field) => (
                <tr key={field.path}>
                  <FieldCells field={field} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </li>
  );
}

/** A field's path and its values before and after (an absent one: the field is new, or gone). */
function FieldCells({ field }: { field: ReplayFieldChange | undefined }) {
  if (!field) {
    return (
      <td colSpan={3} className="muted">
        —
      </td>
    );
  }
  return (
    <>
      <td>
        <code>{field.path === '' ? '(whole value)' : field.path}</code>
      </td>
      <td>{'before' in field ? <Value value={field.before} /> : <span className="muted">absent</span>}</td>
      <td>{'after' in field ? <Value value={field.after} /> : <span className="muted">absent</span>}</td>
    </>
  );
}

/** A JSON value on one line, as text (never markup); a redacted one says so. */
function Value({ value }: { value: unknown }) {
  if (value === REDACTED) return <span className="redacted">redacted</span>;
  return <code className="replay-value">{JSON.stringify(value) ?? 'undefined'}</code>;
}
