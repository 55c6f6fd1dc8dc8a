import { useState } from 'react';
import { can } from '../api/permissions';
import { useRecipeVersion, useRecipeVersions, useStartVersion } from '../api/recipe-versions';
import { useSession } from '../api/session';
import type { Recipe } from '../api/types';
import { ConfirmButton } from '../components/Confirm';
import { Badge, ErrorNote, Loading, When } from '../components/Status';
import { VersionDiff } from '../components/VersionDiff';
import { RecipeReplay } from './RecipeReplay';

/** Every version of the recipe, "Start this version" (a rollback), a diff between any two, and (builders) a replay of one over past jobs. */
export function RecipeVersions({ recipe }: { recipe: Recipe }) {
  const { me } = useSession();
  const versions = useRecipeVersions(recipe.id, recipe.version);
  const start = useStartVersion(recipe.id);
  const operate = can(me, 'recipes:operate');
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      {start.error && <ErrorNote error={start.error} />}
      {start.isSuccess && !start.isPending && <p role="status">Running version {start.data.activeVersion}.</p>}
      {versions.isPending ? (
        <Loading />
      ) : versions.error ? (
        <ErrorNote error={versions.error} />
      ) : (
        <>
          <div className="table-wrap">
            <table aria-label="Versions">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Made</th>
                  <th scope="col">By</th>
                  <th scope="col">State</th>
                  {operate && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {versions.data.items.map((v) => (
                  <tr key={v.version}>
                    <td>{v.version}</td>
                    <td>
                      <When at={v.createdAt} />
                    </td>
                    <td>{v.createdBy ? <code>{v.createdBy.id}</code> : <span className="muted">—</span>}</td>
                    <td>{v.active ? <Badge value="running" /> : <span className="muted">{v.version === recipe.version ? 'latest' : '—'}</span>}</td>
                    {operate && (
                      <td>
                        {!v.active && (
                          <ConfirmButton
                            label={`Start version ${v.version}`}
                            disabled={start.isPending}
                            question={
                              v.version < recipe.version
                                ? `Roll “${recipe.name}” back to version ${v.version}? New events run on version ${v.version}; version ${recipe.version} stays the latest.`
                                : `Start “${recipe.name}” at version ${v.version}?`
                            }
                            confirmLabel="Start this version"
                            onConfirm={() => start.mutate(v.version)}
                          />
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {/* keyed by the latest: a new version (a save) starts the comparison again from the newest two */}
          {versions.data.items.length > 1 && <VersionCompare key={versions.data.items[0].version} recipeId={recipe.id} numbers={versions.data.items.map((v) => v.version)} />}
          {can(me, 'recipes:write') && <RecipeReplay key={`replay-${versions.data.items[0].version}`} recipeId={recipe.id} numbers={versions.data.items.map((v) => v.version)} />}
        </>
      )}
    </section>
  );
}

/** Two selects (older, newer; the latest two at first) and the line diff of their definitions. */
function VersionCompare({ recipeId, numbers }: { recipeId: string; numbers: number[] }) {
  const [from, setFrom] = useState(numbers[1]);
  const [to, setTo] = useState(numbers[0]);
  const before = useRecipeVersion(recipeId, from);
  const after = useRecipeVersion(recipeId, to);
  // the label names the select by id: wrapped around it, the chosen option would join its name
  const pick = (label: string, id: string, value: number, set: (n: number) => void) => (
    <span>
      <label htmlFor={id}>{label}</label>{' '}
      <select id={id} value={value} onChange={(e) => set(Number(e.target.value))}>
        {numbers.map((n) => (
          <option key={n} value={n}>
            version {n}
          </option>
        ))}
      </select>
    </span>
  );
  return (
    <div className="compare">
      <h3>Compare</h3>
      <div className="row filters">
        {pick('From', 'compare-from', from, setFrom)}
        {pick('To', 'compare-to', to, setTo)}
      </div>
      {before.error || after.error ? (
        <ErrorNote error={before.error ?? after.error} />
      ) : before.data && after.data ? (
        <VersionDiff before={before.data.definition} after={after.data.definition} label={`Changes from version ${from} to version ${to}`} />
      ) : (
        <Loading />
      )}
    </div>
  );
}
