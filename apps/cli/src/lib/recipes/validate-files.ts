import { readFileSync } from 'node:fs';
import type { validateRecipe as ValidateRecipe } from '@junction/executor/domain';
import { formatFileError, parseRecipeFile, type FileError, type RecipeFile } from './recipe-file';

export type FileCheck = { ok: true; recipe: RecipeFile } | { ok: false; errors: FileError[] };

let validator: typeof ValidateRecipe | undefined;

// loaded on first use: the engine and the recipe contracts cost most of a second to load, which
// commands that never validate (jobs, run, connections) should not pay
async function loadValidator(): Promise<typeof ValidateRecipe> {
  validator ??= (await import('@junction/executor/domain')).validateRecipe;
  return validator;
}

/**
 * A recipe file checked offline with the validator the executor runs on every create and update
 * (`validateRecipe` of the engine's domain library), its JSON pointers mapped back to lines.
 */
export async function checkRecipeText(file: string, text: string): Promise<FileCheck> {
  const parsed = parseRecipeFile(file, text);
  if (!parsed.ok) return parsed;
  const { recipe } = parsed;
  const result = (await loadValidator())(recipe.definition);
  if (result.ok) return { ok: true, recipe };
  // a field that should not be there is pointed at by its key, a wrong value by the value
  const errors = result.errors.map((e) => ({ file, ...recipe.positionOf(e.path, e.message === 'is not allowed here'), message: `${e.path || '(recipe)'} ${e.message}` }));
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}

export async function checkRecipeFile(file: string): Promise<FileCheck> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, errors: [{ file, line: 1, column: 1, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }] };
  }
  return checkRecipeText(file, text);
}

/** Checks every file; the valid recipes, and every error as `file:line:column: message` lines. */
export async function checkRecipeFiles(files: string[]): Promise<{ recipes: RecipeFile[]; errors: string[] }> {
  const recipes: RecipeFile[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const check = await checkRecipeFile(file);
    if (check.ok) recipes.push(check.recipe);
    else errors.push(...check.errors.map(formatFileError));
  }
  return { recipes, errors };
}
