import { ROOT_LIST, type CompiledRecipe, type CompiledStep } from './recipe-compiler';

/**
 * The most steps one job may run at once, counted at save over the recipe's nesting: a forEach
 * with `concurrency: c` multiplies what its body runs at once by c, a parallel step adds up its
 * branches. Without it, forEach × parallel × forEach (100 × 20 × 100) would be 200,000 lanes of one
 * job. Every factor is a literal of the recipe (and callRecipe is refused inside a fan-out), so
 * the count is an exact bound, not an estimate: nothing is checked at run time.
 */
export const MAX_CONCURRENT_LANES = 1_000;

/** How many steps a list, a step or a branch may run at once, at its worst. */
function lanesOf(compiled: CompiledRecipe, memo: Map<CompiledStep, number>) {
  const list = (key: string | undefined): number => Math.max(1, ...(key === undefined ? [] : (compiled.lists.get(key) ?? []).map(step)));
  const step = (s: CompiledStep): number => {
    const known = memo.get(s);
    if (known !== undefined) return known;
    let lanes: number;
    switch (s.kind) {
      case 'forEach':
        lanes = (s.concurrency ?? 1) * list(s.lists.body);
        break;
      case 'parallel':
        lanes = (s.branches ?? []).reduce((sum, b) => sum + list(b.list), 0) || 1;
        break;
      case 'if':
        lanes = Math.max(list(s.lists.then), list(s.lists.else));
        break;
      case 'try':
        lanes = Math.max(list(s.lists.try), list(s.lists.catch));
        break;
      case 'action':
      case 'set':
      case 'delay':
      case 'callRecipe':
      case 'respond':
      case 'stop':
      case 'waitFor':
      case 'approval':
        lanes = 1;
    }
    memo.set(s, lanes);
    return lanes;
  };
  return { list, step };
}

/**
 * Refuses a recipe whose nested fan-outs could run more than MAX_CONCURRENT_LANES steps of one job
 * at once. The error names the outermost fan-out over the limit (its `concurrency`, or the
 * parallel step's branches) and the numbers that multiply there, so the author sees what to lower.
 */
export function checkFanOut(compiled: CompiledRecipe, fail: (path: string, message: string) => void, max = MAX_CONCURRENT_LANES): void {
  const { list, step } = lanesOf(compiled, new Map());
  if (list(ROOT_LIST) <= max) return;
  const visit = (key: string | undefined) => {
    for (const s of key === undefined ? [] : (compiled.lists.get(key) ?? [])) {
      const lanes = step(s);
      if (lanes <= max) continue;
      const nestedLists = Object.values(s.lists);
      const branchLists = (s.branches ?? []).map((b) => b.list);
      // a fan-out over the limit on its own inside is reported there, where it is to be lowered
      if ([...nestedLists, ...branchLists].some((key) => list(key) > max) || (s.kind === 'forEach' && !s.concurrency)) {
        for (const nested of [...nestedLists, ...branchLists]) visit(nested);
      } else if (s.kind === 'forEach') {
        const inner = list(s.lists.body);
        fail(
          `${s.pointer}/concurrency`,
          `runs up to ${lanes} steps at once (concurrency ${s.concurrency ?? 1} × up to ${inner} at once in each iteration); at most ${max} per job: lower this concurrency or the fan-out inside`,
        );
      } else if (s.kind === 'parallel') {
        const parts = (s.branches ?? []).map((b) => list(b.list));
        fail(
          `${s.pointer}/parallel`,
          `runs up to ${lanes} steps at once (its ${parts.length} branches: ${parts.every((p) => p === parts[0]) ? `${parts.length} × ${parts[0]}` : parts.join(' + ')}); at most ${max} per job: lower the fan-out inside its branches`,
        );
      }
    }
  };
  visit(ROOT_LIST);
}
