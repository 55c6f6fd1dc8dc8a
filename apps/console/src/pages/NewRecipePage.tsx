import { Link, useNavigate } from '@tanstack/react-router';
import { useCreateRecipe } from '../api/recipes';
import { DefinitionForm } from '../components/DefinitionForm';

// a small working recipe to start from: a webhook that shapes its body
const TEMPLATE = {
  name: 'my recipe',
  trigger: { type: 'webhook' },
  steps: [{ id: 'shape', set: { order: '{{ trigger.body.id }}' } }],
};

/** Create a recipe (version 1, stopped) from its definition in JSON or YAML; the server's 422 errors shown at their paths. */
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
        definition={TEMPLATE}
        editable
        submitLabel="Create"
        pending={create.isPending}
        error={create.error}
        onSubmit={(definition) => create.mutate(definition, { onSuccess: (recipe) => void navigate({ to: '/recipes/$recipeId', params: { recipeId: recipe.id } }) })}
      />
    </section>
  );
}
