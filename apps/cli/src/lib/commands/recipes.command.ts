import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { apiFor, globals, print } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { listConnections, listRecipes } from '../http/junction-api';
import { progress } from '../output/progress';
import { renderList } from '../output/render';
import { applyPlan, DEFAULT_MARKER, planDirectory } from '../recipes/recipe-apply';
import { exportFileNames, exportRecipe } from '../recipes/recipe-export';
import type { Plan, PlanItem } from '../recipes/recipe-plan';
import { checkRecipeFiles } from '../recipes/validate-files';
import { addReplayCommand } from './recipe-replay.command';

const SYMBOL: Record<string, string> = { create: '+', 'new version': '~', start: '>', stop: '■' };

function describeItem(item: PlanItem): string {
  const where = item.file ? ` (${item.file})` : '';
  if (item.changes.length === 0) return `  = ${item.name}${where}: unchanged`;
  const what = item.changes.map((c) => (c === 'new version' ? `new version (v${(item.remote?.version ?? 0) + 1})` : c)).join(', ');
  return `  ${SYMBOL[item.changes[0]]} ${item.name}${where}: ${what}${item.reason ? ` — ${item.reason}` : ''}`;
}

/** The plan for people: one line per recipe, the diff under each changed one, a summary. */
function describePlan(plan: Plan): string {
  const lines: string[] = [];
  for (const item of plan.items) {
    lines.push(describeItem(item));
    lines.push(...item.diff.map((d) => `      ${d}`));
  }
  const count = (c: string) => plan.items.filter((i) => i.changes.includes(c as PlanItem['changes'][number])).length;
  const unchanged = plan.items.filter((i) => i.changes.length === 0).length;
  lines.push(
    '',
    plan.hasChanges
      ? `Plan: ${count('create')} to create, ${count('new version')} new version${count('new version') === 1 ? '' : 's'}, ${count('start')} to start, ${count('stop')} to stop, ${unchanged} unchanged.`
      : `Nothing to do: ${unchanged} recipes unchanged.`,
  );
  return lines.join('\n');
}

function planAsData(plan: Plan) {
  return plan.items.map((i) => ({ name: i.name, file: i.file, id: i.remote?.id, changes: i.changes, reason: i.reason, diff: i.diff }));
}

function output(command: Command, plan: Plan): void {
  const { output } = globals(command);
  print(output === 'table' ? describePlan(plan) : renderList(planAsData(plan), [], output));
}

interface DirOptions {
  file: string;
  prune?: boolean;
  marker: string;
}

const dirOptions = (command: Command): Command =>
  command
    .requiredOption('-f, --file <dir>', 'directory of recipe files (.yaml, .yml, .json), read recursively')
    .option('--prune', 'also stop the recipes apply created (see --marker) whose file is gone')
    .addOption(new Option('--marker <value>', 'the managedBy marker apply sets on recipes it creates').default(DEFAULT_MARKER));

export function recipesCommand(): Command {
  const recipes = new Command('recipes').description('recipes as code: validate, plan, apply and export YAML recipe files');

  recipes
    .command('validate')
    .description('check recipe files offline with the validator the server runs; errors as file:line:column')
    .argument('<files...>', 'recipe files (.yaml, .yml, .json)')
    .addHelpText('after', '\nExample:\n  $ junction recipes validate recipes/*.yaml')
    .action(async (files: string[], _options: unknown, command: Command) => {
      const { recipes: valid, errors } = await checkRecipeFiles(files);
      if (errors.length > 0) throw new CliError(errors.join('\n'));
      if (globals(command).output === 'table') print(`${valid.length} recipe file${valid.length === 1 ? '' : 's'} valid`);
      else
        print(
          renderList(
            valid.map((r) => ({ file: r.file, name: r.definition['name'], state: r.state })),
            [],
            globals(command).output,
          ),
        );
    });

  dirOptions(
    recipes
      .command('plan')
      .description('show what apply would change (create / new version / start / stop / unchanged); exit code 2 when there are changes')
      .addHelpText('after', '\nExamples:\n  $ junction recipes plan -f recipes/\n  $ junction --profile production recipes plan -f recipes/ --prune'),
  ).action(async (options: DirOptions, command: Command) => {
    const plan = await planDirectory(apiFor(command), options.file, { prune: Boolean(options.prune), marker: options.marker });
    output(command, plan);
    if (plan.hasChanges) process.exitCode = EXIT.changes;
  });

  dirOptions(
    recipes
      .command('apply')
      .description('make the workspace match the files: idempotent by recipe name, declared state applied')
      .addHelpText('after', '\nExamples:\n  $ junction recipes apply -f recipes/\n  $ JUNCTION_PROFILE=staging junction recipes apply -f recipes/ --prune'),
  ).action(async (options: DirOptions, command: Command) => {
    const api = apiFor(command);
    const plan = await planDirectory(api, options.file, { prune: Boolean(options.prune), marker: options.marker });
    const done = await applyPlan(api, plan, options.marker);
    if (globals(command).output !== 'table') print(renderList(planAsData({ items: done, hasChanges: done.length > 0 }), [], globals(command).output));
    else if (done.length === 0) print(describePlan(plan));
    else print([...done.map(describeItem), '', `Applied: ${done.length} recipe${done.length === 1 ? '' : 's'} changed.`].join('\n'));
  });

  recipes
    .command('export')
    .description('write one YAML file per recipe (connections by name, current state) that applies back unchanged')
    .option('-o, --out <dir>', 'directory to write to', '.')
    .addHelpText('after', '\nExample:\n  $ junction --profile staging recipes export -o recipes/')
    .action(async (options: { out: string }, command: Command) => {
      const api = apiFor(command);
      const [all, connections] = await Promise.all([listRecipes(api), listConnections(api)]);
      const names = exportFileNames(all);
      mkdirSync(options.out, { recursive: true });
      const bar = progress(all.length, 'exporting');
      const written = all.map((recipe) => {
        const file = join(options.out, names.get(recipe.id) as string);
        writeFileSync(file, exportRecipe(recipe, connections));
        bar.tick(recipe.name);
        return { name: recipe.name, id: recipe.id, file };
      });
      bar.stop();
      const { output: format } = globals(command);
      print(format === 'table' ? `Exported ${written.length} recipe${written.length === 1 ? '' : 's'} to ${options.out}` : renderList(written, [], format));
    });

  recipes
    .command('list')
    .description('recipes of the workspace')
    .addHelpText('after', '\nExample:\n  $ junction recipes list --output json')
    .action(async (_options: unknown, command: Command) => {
      const all = await listRecipes(apiFor(command));
      const columns = [
        { header: 'ID', value: (r: (typeof all)[number]) => r.id },
        { header: 'NAME', value: (r: (typeof all)[number]) => r.name },
        { header: 'VERSION', value: (r: (typeof all)[number]) => r.version },
        { header: 'STATE', value: (r: (typeof all)[number]) => (r.state === 'running' ? `running v${r.activeVersion}` : r.state) },
        { header: 'MANAGED BY', value: (r: (typeof all)[number]) => r.managedBy },
      ];
      print(renderList(all, columns, globals(command).output));
    });

  addReplayCommand(recipes);
  return recipes;
}
