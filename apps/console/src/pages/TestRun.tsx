import { useState } from 'react';
import { useNavigate } from '@tanstack/react-router';
import { useTestRun, type RunOutcome } from '../api/recipe-versions';
import type { Recipe } from '../api/types';
import { ErrorNote } from '../components/Status';

const jobIdOf = (answer: unknown): string | undefined => {
  const jobId = answer && typeof answer === 'object' ? (answer as RunOutcome).jobId : undefined;
  return typeof jobId === 'string' ? jobId : undefined;
};

/**
 * Runs the recipe now with a sample payload (POST /v1/recipes/:id/runs?wait=true) and opens the
 * job when it has finished, or while it still runs (the job page follows it live). A recipe whose
 * respond step answered shows that reply instead: the API gives no job id with it.
 */
export function TestRun({ recipe }: { recipe: Recipe }) {
  const [text, setText] = useState('{}');
  const [parseError, setParseError] = useState<string | null>(null);
  const run = useTestRun(recipe.id);
  const navigate = useNavigate();

  function submit() {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (e) {
      setParseError(`Not valid JSON: ${(e as Error).message}`);
      return;
    }
    setParseError(null);
    run.mutate(payload, {
      onSuccess: (answer) => {
        const jobId = jobIdOf(answer);
        if (jobId) void navigate({ to: '/jobs/$jobId', params: { jobId } });
      },
    });
  }

  return (
    <section aria-labelledby="test-run-title">
      <h2 id="test-run-title">Test run</h2>
      <form
        className="editor"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label htmlFor="test-payload">Sample payload (JSON)</label>
        <textarea id="test-payload" rows={6} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
        <div className="row">
          <button type="submit" className="primary" disabled={run.isPending}>
            {run.isPending ? 'Running…' : 'Run test'}
          </button>
          <span className="muted">Runs version {recipe.activeVersion ?? recipe.version}, as a call of POST /v1/recipes/:id/runs.</span>
        </div>
      </form>
      {parseError && (
        <p role="alert" className="error">
          {parseError}
        </p>
      )}
      {run.error && <ErrorNote error={run.error} />}
      {run.isSuccess && !jobIdOf(run.data) && (
        <div role="status">
          <p>The recipe answered:</p>
          <pre className="reply">{JSON.stringify(run.data, null, 2)}</pre>
        </div>
      )}
    </section>
  );
}
