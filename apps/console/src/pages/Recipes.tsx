import { Link } from '@tanstack/react-router';
import { can } from '../api/permissions';
import { useRecipes, useRecipeSwitch } from '../api/recipes';
import { useSession } from '../api/session';
import { triggerType, type Recipe } from '../api/types';
import { ConfirmButton } from '../components/Confirm';
import { Badge, ErrorNote, Loading } from '../components/Status';

export function RecipesPage() {
  const recipes = useRecipes();
  const switcher = useRecipeSwitch();
  const { me } = useSession();
  const operate = can(me, 'recipes:operate');

  return (
    <section aria-labelledby="recipes-title">
      <div className="row heading-row">
        <h1 id="recipes-title">Recipes</h1>
        {can(me, 'recipes:write') && (
          <Link to="/recipes/new" className="button">
            New recipe
          </Link>
        )}
      </div>
      {switcher.error && <ErrorNote error={switcher.error} />}
      {recipes.isPending ? (
        <Loading />
      ) : recipes.error ? (
        <ErrorNote error={recipes.error} />
      ) : recipes.data.items.length === 0 ? (
        <p className="muted">No recipes yet. Create one here, with the API (POST /v1/recipes) or with the CLI.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Version</th>
                <th scope="col">Trigger</th>
                {operate && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {recipes.data.items.map((recipe) => (
                <RecipeRow key={recipe.id} recipe={recipe} operate={operate} busy={switcher.isPending} onSwitch={(to) => switcher.mutate({ id: recipe.id, to })} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RecipeRow({ recipe, operate, busy, onSwitch }: { recipe: Recipe; operate: boolean; busy: boolean; onSwitch: (to: 'start' | 'stop') => void }) {
  return (
    <tr>
      <td>
        <Link to="/recipes/$recipeId" params={{ recipeId: recipe.id }}>
          {recipe.name}
        </Link>
      </td>
      <td>
        <Badge value={recipe.state} />
      </td>
      <td>{recipe.activeVersion && recipe.activeVersion !== recipe.version ? `${recipe.version} (running ${recipe.activeVersion})` : recipe.version}</td>
      <td>{triggerType(recipe)}</td>
      {operate && (
        <td>
          <SwitchButton recipe={recipe} busy={busy} onSwitch={onSwitch} />
        </td>
      )}
    </tr>
  );
}

/** Start a stopped recipe or stop a running one, after a confirmation. */
export function SwitchButton({ recipe, busy, onSwitch }: { recipe: Recipe; busy: boolean; onSwitch: (to: 'start' | 'stop') => void }) {
  return recipe.state === 'running' ? (
    <ConfirmButton
      label="Stop"
      danger
      disabled={busy}
      question={`Stop “${recipe.name}”? Its trigger stops accepting events; jobs already accepted still run.`}
      confirmLabel="Stop recipe"
      onConfirm={() => onSwitch('stop')}
    />
  ) : (
    <ConfirmButton
      label="Start"
      disabled={busy}
      question={`Start “${recipe.name}” at version ${recipe.version}?`}
      confirmLabel="Start recipe"
      onConfirm={() => onSwitch('start')}
    />
  );
}
