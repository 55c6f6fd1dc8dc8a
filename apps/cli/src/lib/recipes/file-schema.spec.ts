import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECIPE_SCHEMA_FILE, recipeFileSchemaText } from './file-schema';

describe('schemas/recipe.schema.json', () => {
  it('is the file generated from the executor recipe schema (run `npm run schema:recipe` when this fails)', () => {
    // compared as JSON: a formatter may lay the committed file out differently
    const committed: unknown = JSON.parse(readFileSync(join(__dirname, '../../../../..', RECIPE_SCHEMA_FILE), 'utf8'));
    expect(committed).toEqual(JSON.parse(recipeFileSchemaText()));
  });

  it('lets a file declare its state and schema beside the recipe', () => {
    const schema = JSON.parse(recipeFileSchemaText()) as { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(schema.properties['state']).toEqual(expect.objectContaining({ enum: ['started', 'stopped'] }));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['$schema', 'name', 'trigger', 'steps', 'settings']));
    expect(schema.required).toEqual(['name', 'trigger', 'steps']);
    expect(schema.additionalProperties).toBe(false);
  });
});
