import { recipeSchema } from '@junction/executor/contracts';

/** Path of the published schema, from the repository root. */
export const RECIPE_SCHEMA_FILE = 'schemas/recipe.schema.json';

/**
 * The JSON Schema of a recipe FILE: the executor's recipe schema (the one source of truth of the
 * format) plus the keys a file carries beside the recipe, `state` and `$schema`. Editors use it
 * through `$schema` or the YAML language server; the CLI validates with the engine itself.
 */
export function recipeFileSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...recipeSchema,
    title: 'Junction recipe file',
    description: 'One recipe per file, applied with `junction recipes apply`. Generated from the executor recipe schema by `npm run schema:recipe`: do not edit.',
    properties: {
      $schema: { type: 'string', description: 'This schema, for editors' },
      state: { enum: ['started', 'stopped'], description: 'The state `apply` puts the recipe in; absent: left as it is' },
      ...recipeSchema.properties,
    },
  };
}

/** The file's text: stable key order and a final newline, so a regenerated file diffs cleanly. */
export function recipeFileSchemaText(): string {
  return `${JSON.stringify(recipeFileSchema(), null, 2)}\n`;
}
