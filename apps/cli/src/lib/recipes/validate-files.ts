import { readFileSync } from 'node:fs';
import { validateRecipe } from '@junction/executor/domain';
import { formatFileError, parseRecipeFile, type FileError, type RecipeFile } from './recipe-file';

export type FileCheck = { ok: true; recipe: RecipeFile } | { ok: false; errors: FileError[] };

/**
 * A recipe file checked offline with the validator the executor runs on every create and update
 * (`validateRecipe` of the engine's domain library), its JSON pointers mapped back to lines.
 */
export function checkRecipeText(file: string, text: string): FileCheck {
  const parsed = parseRecipeFile(file, text);
  if (!parsed.ok) return parsed;
  const { recipe } = parsed;
  const result = validateRecipe(recipe.definition);
  if (result.ok) return { ok: true, recipe };
  // a field that should not be there is pointed at by its key, a wrong value by the value
  const errors = result.errors.map((e) => ({ file, ...recipe.positionOf(e.path, e.message === 'is not allowed here'), message: `${e.path || '(recipe)'} ${e.message}` }));
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}

export function checkRecipeFile(file: string): FileCheck {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, errors: [{ file, line: 1, column: 1, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }] };
  }
  return checkRecipeText(file, text);
}

/** Checks every file; the valid recipes, and every error as `file:line:column: message` lines. */
export function checkRecipeFiles(files: string[]): { recipes: RecipeFile[]; errors: string[] } {
  const recipes: RecipeFile[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const check = checkRecipeFile(file);
    if (check.ok) recipes.push(check.recipe);
    else errors.push(...check.errors.map(formatFileError));
  }
  return { recipes, errors };
}
