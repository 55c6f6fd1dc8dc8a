// `npm run schema:recipe`: writes schemas/recipe.schema.json from the executor's recipe schema.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECIPE_SCHEMA_FILE, recipeFileSchemaText } from '../src/lib/recipes/file-schema';

const target = join(__dirname, '../../..', RECIPE_SCHEMA_FILE);
writeFileSync(target, recipeFileSchemaText());
console.log(`wrote ${RECIPE_SCHEMA_FILE}`);
