import { Link, useNavigate } from '@tanstack/react-router';
import { useCreateRecipe } from '../api/recipes';
import { DefinitionForm } from '../components/DefinitionForm';

// a small working recipe to start from: a webhook that shapes its body
const TEMPLATE = JSON.stringify(
  {
    name: 'my recipe',
    trigger: { type: 'webhook' },
    steps: [{ id: 'shape', set: { order: '{{ trigger.body.id }}' } }],
  },
  null,
  2,
);

/** Create a recipe (version 1, stopped) from its JSON definition; the server's 422 errors shown at their paths. */
export function NewRecipePage() {
  const create = useCreateRecipe();
  const navigate = useNavigate();
  return (
    <section aria-labelledby="new-recipe-title">
      <p>
        <Link to="/recipes">← Recipes</Link>
      </p>
      <h1 id="new-recipe-title">New recipe</h1>
      <DefinitionForm
        initial={TEMPLATE}
        editable
        submitLabel="Create"
        pending={create.isPending}
        error={create.error}
        onSubmit={(definition) => create.mutate(definition, { onSuccess: (recipe) => void navigate({ to: '/recipes/$recipeId', params: { recipeId: recipe.id } }) })}
      />
    </section>
  );
}
