import { useState } from 'react';
import { Link } from '@tanstack/react-router';
import {
  DEAD_LETTER_REASONS,
  DEAD_LETTER_STATES,
  useDeadLetter,
  useDeadLetters,
  useRedrive,
  type DeadLetter,
  type DeadLetterFilters,
  type RedriveOutcome,
} from '../api/dead-letters';
import { can } from '../api/permissions';
import { useRecipes } from '../api/recipes';
import { useSession } from '../api/session';
import { ConfirmButton } from '../components/Confirm';
import { JsonView } from '../components/JsonView';
import { usePagedList } from '../components/paged-list';
import { Badge, ErrorNote, Loading, When } from '../components/Status';

/**
 * Dead letters: trigger events that could not become jobs, with why; an operator redrives the
 * selected ones once the cause is fixed, and sees per letter the job it made or why not.
 */
export function DeadLettersPage() {
  const { me } = useSession();
  const operate = can(me, 'jobs:operate');
  const [selected, setSelected] = useState<string[]>([]);
  // a new filter clears the selection: the letters selected may not be on the new list
  const { search, list: letters, filter, pager } = usePagedList<DeadLetterFilters, DeadLetter>('/dead-letters', useDeadLetters, () => setSelected([]));
  const recipes = useRecipes();
  const redrive = useRedrive();
  const names = new Map((recipes.data?.items ?? []).map((r) => [r.id, r.name]));
  const toggle = (id: string, on: boolean) => setSelected((now) => (on ? [...now, id] : now.filter((x) => x !== id)));

  return (
    <section aria-labelledby="dead-letters-title">
      <h1 id="dead-letters-title">Dead letters</h1>
      <p className="muted">Trigger events that could not become jobs. Fix the cause (start the recipe, correct the data), then redrive them.</p>
      <form className="filters row" onSubmit={(e) => e.preventDefault()}>
        <label>
          Recipe
          <select value={search.recipeId ?? ''} onChange={(e) => filter({ recipeId: e.target.value || undefined })}>
            <option value="">All recipes</option>
            {(recipes.data?.items ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Reason
          <select value={search.reason ?? ''} onChange={(e) => filter({ reason: e.target.value || undefined })}>
            <option value="">Any reason</option>
            {Object.entries(DEAD_LETTER_REASONS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={search.state ?? ''} onChange={(e) => filter({ state: e.target.value || undefined })}>
            <option value="">Any state</option>
            {Object.entries(DEAD_LETTER_STATES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {operate && (
        <div className="row">
          <ConfirmButton
            label={`Redrive selected (${selected.length})`}
            disabled={selected.length === 0 || redrive.isPending}
            question={`Redrive ${selected.length === 1 ? 'this dead letter' : `these ${selected.length} dead letters`}? Each makes a job on its recipe's running version, once.`}
            confirmLabel="Redrive"
            onConfirm={() => redrive.mutate(selected, { onSuccess: () => setSelected([]) })}
          />
        </div>
      )}
      {redrive.error && <ErrorNote error={redrive.error} />}
      {redrive.data && <RedriveOutcomes outcomes={redrive.data.items} />}
      {letters.isPending ? (
        <Loading />
      ) : letters.error ? (
        <ErrorNote error={letters.error} />
      ) : letters.data.items.length === 0 ? (
        <p className="muted">No dead letters match.</p>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {operate && <th scope="col">Select</th>}
                  <th scope="col">Dead letter</th>
                  <th scope="col">Recipe</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Deliveries</th>
                  <th scope="col">Dead-lettered</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {letters.data.items.map((letter) => (
                  <LetterRow
                    key={letter.id}
                    letter={letter}
                    recipeName={letter.recipeId ? names.get(letter.recipeId) : undefined}
                    operate={operate}
                    selected={selected.includes(letter.id)}
                    onSelect={(on) => toggle(letter.id, on)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {pager}
        </>
      )}
    </section>
  );
}

interface RowProps {
  letter: DeadLetter;
  recipeName: string | undefined;
  operate: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
}

function LetterRow({ letter, recipeName, operate, selected, onSelect }: RowProps) {
  const [open, setOpen] = useState(false);
  const full = useDeadLetter(letter.id, open);
  return (
    <tr>
      {operate && (
        <td>
          <input type="checkbox" aria-label={`Select ${letter.id}`} checked={selected} disabled={letter.state !== 'dead'} onChange={(e) => onSelect(e.target.checked)} />
        </td>
      )}
      <td>
        <code>{letter.id}</code>
        <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
          <summary>Why, and the event</summary>
          <p className="error">{letter.detail}</p>
          {open && (full.isPending ? <Loading /> : full.error ? <ErrorNote error={full.error} /> : <JsonView label="Event (as received)" value={full.data.event ?? null} />)}
        </details>
      </td>
      <td>{letter.recipeId ? (recipeName ?? <code>{letter.recipeId}</code>) : <span className="muted">—</span>}</td>
      <td>{DEAD_LETTER_REASONS[letter.reason] ?? letter.reason}</td>
      <td>{letter.deliveryCount}</td>
      <td>
        <When at={letter.createdAt} />
      </td>
      <td>
        <Badge value={letter.state} />
        {letter.jobId && (
          <>
            {' '}
            <Link to="/jobs/$jobId" params={{ jobId: letter.jobId }}>
              <code>{letter.jobId}</code>
            </Link>
          </>
        )}
      </td>
    </tr>
  );
}

/** What the last redrive did, per letter: the job made (or already made), or why not, in words. */
export function RedriveOutcomes({ outcomes }: { outcomes: RedriveOutcome[] }) {
  return (
    <ul role="status" aria-label="Redrive outcomes" className="redrive-outcomes">
      {outcomes.map((o) => (
        <li key={o.id} className={o.error ? 'error' : undefined}>
          <code>{o.id}</code>{' '}
          {o.error ? (
            <>not redriven: {o.error.message ?? o.error.code ?? 'failed'}</>
          ) : (
            <>
              {o.outcome === 'duplicate' ? 'already had job' : 'made job'}{' '}
              {o.jobId && (
                <Link to="/jobs/$jobId" params={{ jobId: o.jobId }}>
                  <code>{o.jobId}</code>
                </Link>
              )}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
