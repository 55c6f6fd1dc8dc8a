import { CliError } from '../exit-codes';
import { nameConnections, resolveConnectionNames, type ConnectionRef } from './connection-refs';
import { alignKeys, canonicalJson, lineDiff } from './recipe-diff';
import { formatFileError, type DeclaredState, type RecipeFile } from './recipe-file';
import { stringify } from 'yaml';

/** A recipe as `GET /v1/recipes` answers. */
export interface RemoteRecipe {
  id: string;
  name: string;
  version: number;
  state: 'stopped' | 'running';
  activeVersion?: number;
  definition: Record<string, unknown>;
  managedBy?: string;
}

/** What apply does to one recipe, in this order; none: unchanged. */
export type Change = 'create' | 'new version' | 'start' | 'stop';

export interface PlanItem {
  name: string;
  /** The file declaring it; absent for a recipe pruned because its file is gone. */
  file?: string;
  remote?: RemoteRecipe;
  changes: Change[];
  /** Why a start or stop is planned, in words. */
  reason?: string;
  /** The recipe to send (connection names resolved to the target workspace's ids). */
  body?: Record<string, unknown>;
  /** Unified diff of the stored recipe against the file (connections by name), `-`/`+` lines. */
  diff: string[];
}

export interface Plan {
  items: PlanItem[];
  /** True when apply would change anything (plan's exit code 2). */
  hasChanges: boolean;
}

export interface PlanOptions {
  /** Stop recipes carrying `marker` whose file is gone. */
  prune: boolean;
  marker: string;
}

const yamlLines = (value: unknown): string[] => stringify(value).trimEnd().split('\n');

const isRunning = (remote: RemoteRecipe | undefined): boolean => remote?.state === 'running';

function stateChange(declared: DeclaredState | undefined, remote: RemoteRecipe | undefined, newVersion: boolean): { change?: Change; reason?: string } {
  if (declared === 'started') {
    if (!isRunning(remote)) return { change: 'start', reason: 'declared started' };
    // a running recipe keeps its active version until started again
    if (newVersion) return { change: 'start', reason: 'runs the new version' };
    if (remote?.activeVersion !== remote?.version) return { change: 'start', reason: `runs v${remote?.activeVersion}, latest is v${remote?.version}` };
  }
  if (declared === 'stopped' && isRunning(remote)) return { change: 'stop', reason: 'declared stopped' };
  return {};
}

/**
 * Compares the files with the target workspace, connections compared by name on both sides (the
 * API stores ids), so the same files plan the same in staging and production.
 */
export function computePlan(files: RecipeFile[], remote: RemoteRecipe[], connections: ConnectionRef[], options: PlanOptions): Plan {
  const byName = new Map(remote.map((r) => [r.name, r]));
  const unresolved: string[] = [];
  const items: PlanItem[] = files.map((file) => {
    const name = file.definition['name'] as string;
    const existing = byName.get(name);
    const desired = nameConnections(file.definition, connections);
    const resolved = resolveConnectionNames(file.definition, connections);
    for (const ref of resolved.unresolved) {
      unresolved.push(formatFileError({ file: file.file, ...file.positionOf(ref.path), message: `${ref.path} no connection named "${ref.value}" in this workspace` }));
    }
    const stored = existing ? nameConnections(existing.definition, connections) : undefined;
    const newVersion = stored !== undefined && canonicalJson(stored) !== canonicalJson(desired);
    const changes: Change[] = existing ? (newVersion ? ['new version'] : []) : ['create'];
    const state = stateChange(file.state, existing, newVersion || !existing);
    if (state.change) changes.push(state.change);
    const before = stored ? yamlLines(alignKeys(stored, desired)) : [];
    const diff = changes.includes('create') || newVersion ? lineDiff(before, yamlLines(desired)) : [];
    return { name, file: file.file, remote: existing, changes, reason: state.reason, body: resolved.recipe, diff };
  });
  if (unresolved.length > 0) throw new CliError(unresolved.join('\n'));
  if (options.prune) {
    const declared = new Set(items.map((i) => i.name));
    for (const r of remote) {
      if (r.managedBy !== options.marker || declared.has(r.name) || !isRunning(r)) continue;
      items.push({ name: r.name, remote: r, changes: ['stop'], reason: 'pruned: its file is gone', diff: [] });
    }
  }
  return { items, hasChanges: items.some((i) => i.changes.length > 0) };
}
