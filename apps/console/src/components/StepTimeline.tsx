import type { JobStep } from '../api/types';
import { JsonView } from './JsonView';
import { stepWait, thirdPartyResponse } from './step-error';
import { Badge, duration, errorText, When } from './Status';

/** A job's steps in the order they ran: kind, status, attempt, duration, waits, errors with the third party's answer, input and output. */
export function Timeline({ steps }: { steps: JobStep[] }) {
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
          {step.status === 'uncertain' && (
            <p className="uncertain">
              This call may have run: the executor stopped after sending it and before recording its outcome, and the action is not idempotent, so it was not sent again. Check the
              third party, then rerun the job if the call did not happen.
            </p>
          )}
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
      {wait.askedMs !== undefined && ` (the third party asked for ${duration(wait.askedMs)})`}
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
