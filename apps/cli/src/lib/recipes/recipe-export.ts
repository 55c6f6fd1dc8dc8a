import { stringify } from 'yaml';
import { nameConnections, type ConnectionRef } from './connection-refs';
import type { RemoteRecipe } from './recipe-plan';

type Json = Record<string, unknown>;

const TOP_ORDER = ['name', 'description', 'state', 'trigger', 'steps', 'settings'];
const STEP_ORDER = ['id', 'name', 'action', 'if', 'forEach', 'try', 'set', 'delay', 'callRecipe', 'respond', 'stop', 'connection', 'input'];
const STEP_LISTS = ['then', 'else', 'steps', 'try', 'catch'];

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

function ordered(value: Json, order: string[]): Json {
  const keys = [
    ...order.filter((k) => k in value),
    ...Object.keys(value)
      .filter((k) => !order.includes(k))
      .sort(),
  ];
  return Object.fromEntries(keys.map((k) => [k, value[k]]));
}

// the database hands keys back in its own order: put them in the order people write recipes in
function orderSteps(steps: unknown): unknown {
  if (!Array.isArray(steps)) return steps;
  return steps.map((step) => {
    if (!isObject(step)) return step;
    const copy: Json = { ...step };
    for (const key of STEP_LISTS) if (Array.isArray(copy[key])) copy[key] = orderSteps(copy[key]);
    return ordered(copy, STEP_ORDER);
  });
}

/** A file name from a recipe name: lower case, dashes, safe on every file system. */
export function fileNameFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${slug || 'recipe'}.yaml`;
}

/** The YAML file of a recipe: connections by name and its current state, so applying it back changes nothing. */
export function exportRecipe(recipe: RemoteRecipe, connections: ConnectionRef[]): string {
  const definition = nameConnections(recipe.definition, connections);
  const file = ordered({ ...definition, state: recipe.state === 'running' ? 'started' : 'stopped', steps: orderSteps(definition['steps']) }, TOP_ORDER);
  return stringify(file, { lineWidth: 0 });
}

/** File names for recipes, made unique within one export (two names may give the same slug). */
export function exportFileNames(recipes: RemoteRecipe[]): Map<string, string> {
  const taken = new Set<string>();
  const names = new Map<string, string>();
  for (const recipe of [...recipes].sort((a, b) => a.name.localeCompare(b.name))) {
    const base = fileNameFor(recipe.name).replace(/\.yaml$/, '');
    let candidate = `${base}.yaml`;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}.yaml`;
    taken.add(candidate);
    names.set(recipe.id, candidate);
  }
  return names;
}
