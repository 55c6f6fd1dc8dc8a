import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { CliError } from '../exit-codes';
import { formatFileError, type RecipeFile } from './recipe-file';
import { checkRecipeFiles } from './validate-files';

const RECIPE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The recipe files of a directory (and its subdirectories), sorted, so plans read the same every time. */
export function recipeFilesIn(dir: string): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return RECIPE_EXTENSIONS.has(extname(dir)) ? [dir] : [];
    entries = readdirSync(dir).sort();
  } catch (error) {
    throw new CliError(`cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return entries.filter((name) => !name.startsWith('.')).flatMap((name) => recipeFilesIn(join(dir, name)));
}

/**
 * Loads and validates a directory of recipes, all or nothing: one invalid file, or two files with
 * the same recipe name, and nothing is applied.
 */
export async function loadRecipeDir(dir: string): Promise<RecipeFile[]> {
  const files = recipeFilesIn(dir);
  if (files.length === 0) throw new CliError(`no recipe files (.yaml, .yml, .json) in ${dir}`);
  const { recipes, errors } = await checkRecipeFiles(files);
  const seen = new Map<string, RecipeFile>();
  for (const recipe of recipes) {
    const name = recipe.definition['name'] as string;
    const first = seen.get(name);
    if (first) errors.push(formatFileError({ file: recipe.file, ...recipe.positionOf('/name'), message: `recipe "${name}" is also defined in ${first.file}` }));
    else seen.set(name, recipe);
  }
  if (errors.length > 0) throw new CliError(errors.join('\n'));
  return recipes;
}
