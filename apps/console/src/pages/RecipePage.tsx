import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams } from '@tanstack/react-router';
import { ApiError, type FieldError } from '../api/client';
import { can } from '../api/permissions';
import { useRecipe, useRecipeSwitch, useSaveRecipe } from '../api/recipes';
import { useSession } from '../api/session';
import { triggerType, type Recipe } from '../api/types';
import { Badge, ErrorNote, Loading } from '../components/Status';
import { SwitchButton } from './Recipes';

// CodeMirror is the biggest part of the console: its own chunk, loaded when a recipe is opened
const JsonEditor = lazy(() => import('../components/JsonEditor'));
const NO_ERRORS: FieldError[] = [];

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

/** The definition as JSON; save makes a new version (PUT), the server's 422 errors listed at their JSON pointers. */
function DefinitionEditor({ recipe, editable }: { recipe: Recipe; editable: boolean }) {
  const save = useSaveRecipe(recipe.id);
  const [text, setText] = useState(() => JSON.stringify(recipe.definition, null, 2));
  const [parseError, setParseError] = useState<string | null>(null);
  // a newer version from the server replaces the text (after a save, or a start/stop refetch)
  useEffect(() => setText(JSON.stringify(recipe.definition, null, 2)), [recipe.version, recipe.definition]);

  const fieldErrors: FieldError[] = save.error instanceof ApiError ? save.error.errors : NO_ERRORS;
  function submit() {
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (e) {
      setParseError(`Not valid JSON: ${(e as Error).message}`);
      return;
    }
    setParseError(null);
    save.mutate(definition);
  }

  return (
    <form
      className="editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label id="definition-label">Definition (JSON)</label>
      <Suspense fallback={<textarea rows={12} readOnly aria-busy="true" aria-labelledby="definition-label" value={text} />}>
        <JsonEditor value={text} onChange={setText} readOnly={!editable} labelledBy="definition-label" describedBy="definition-errors" errors={fieldErrors} />
      </Suspense>
      <div id="definition-errors">
        {parseError && (
          <p role="alert" className="error">
            {parseError}
          </p>
        )}
        {save.error && fieldErrors.length === 0 && <ErrorNote error={save.error} />}
        {fieldErrors.length > 0 && (
          <div role="alert">
            <ul className="error field-errors" aria-label="Errors in the definition">
              {fieldErrors.map((f, i) => (
                <li key={`${f.path}-${i}`}>
                  <code>{f.path || '/'}</code> {f.message}
                </li>
              ))}
            </ul>
          </div>
        )}
        {save.isSuccess && !save.isPending && <p role="status">Saved as version {save.data.version}.</p>}
      </div>
      {editable && (
        <button type="submit" className="primary" disabled={save.isPending}>
          Save
        </button>
      )}
    </form>
  );
}
