import { useState } from 'react';
import { Link, useParams } from '@tanstack/react-router';
import { can } from '../api/permissions';
import { useRecipe, useRecipeSwitch, useSaveRecipe } from '../api/recipes';
import { useSession } from '../api/session';
import { triggerType, type Recipe } from '../api/types';
import { DefinitionForm } from '../components/DefinitionForm';
import { Badge, ErrorNote, Loading } from '../components/Status';
import { SwitchButton } from './Recipes';
import { RecipeVersions } from './RecipeVersions';
import { TestRun } from './TestRun';

export function RecipePage() {
  const { recipeId } = useParams({ from: '/recipes/$recipeId' });
  const recipe = useRecipe(recipeId);
  if (recipe.isPending) return <Loading />;
  if (recipe.error) return <ErrorNote error={recipe.error} />;
  return <RecipeDetail recipe={recipe.data} />;
}

function RecipeDetail({ recipe }: { recipe: Recipe }) {
  const { me } = useSession();
  const switcher = useRecipeSwitch();
  return (
    <section aria-labelledby="recipe-title">
      <p>
        <Link to="/recipes">← Recipes</Link>
      </p>
      <h1 id="recipe-title">{recipe.name}</h1>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <Badge value={recipe.state} />
        </dd>
        <dt>Version</dt>
        <dd>
          {recipe.version}
          {recipe.activeVersion !== undefined && recipe.activeVersion !== recipe.version ? ` (running version ${recipe.activeVersion})` : ''}
        </dd>
        <dt>Trigger</dt>
        <dd>{triggerType(recipe)}</dd>
        {recipe.webhookUrl && (
          <>
            <dt>Webhook URL</dt>
            <dd>
              <WebhookUrl path={recipe.webhookUrl} />
            </dd>
          </>
        )}
      </dl>
      <div className="row">
        {can(me, 'recipes:operate') && <SwitchButton recipe={recipe} busy={switcher.isPending} onSwitch={(to) => switcher.mutate({ id: recipe.id, to })} />}
        <Link to="/jobs" search={{ recipeId: recipe.id }}>
          Jobs of this recipe
        </Link>
      </div>
      {switcher.error && <ErrorNote error={switcher.error} />}
      <DefinitionEditor recipe={recipe} editable={can(me, 'recipes:write')} />
      {can(me, 'recipes:run') && <TestRun recipe={recipe} />}
      <RecipeVersions recipe={recipe} />
    </section>
  );
}

function WebhookUrl({ path }: { path: string }) {
  const url = new URL(path, window.location.origin).toString();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  return (
    <span className="row">
      <code id="webhook-url">{url}</code>
      <button
        type="button"
        onClick={() => {
          navigator.clipboard.writeText(url).then(
            () => setCopied('yes'),
            () => setCopied('failed'),
          );
        }}
      >
        Copy
      </button>
      <span role="status">{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copying was refused: select the URL instead' : ''}</span>
    </span>
  );
}

/** The definition as JSON or YAML; save makes a new version (PUT), the server's 422 errors shown at their JSON pointers. */
function DefinitionEditor({ recipe, editable }: { recipe: Recipe; editable: boolean }) {
  const save = useSaveRecipe(recipe.id);
  return (
    <DefinitionForm
      definition={recipe.definition}
      editable={editable}
      submitLabel="Save"
      pending={save.isPending}
      error={save.error}
      onSubmit={(definition) => save.mutate(definition)}
      done={save.isSuccess && !save.isPending && <p role="status">Saved as version {save.data.version}.</p>}
    />
  );
}
