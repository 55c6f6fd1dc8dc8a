import jsonata from 'jsonata';
import RE2 from 're2';

/**
 * Size bounds of one JSONata evaluation. jsonata checks its own timeout only between the nodes it
 * evaluates, so a single built-in call must be cheap whatever its arguments: each guarded
 * built-in checks that its result would stay within these bounds before doing the work, and
 * every value an operator or function computes is measured as it leaves its node.
 */
export interface ExpressionSizeLimits {
  /** Longest string an operator or function may produce, in UTF-16 code units. */
  maxStringLength: number;
  /** Most elements of a list an operator or function may produce (jsonata's own sequence bound is the same). */
  maxArrayLength: number;
  /** Largest computed value, measured as its approximate JSON length (lists and objects included). */
  maxValueSize: number;
  /** Most characters the guarded built-ins may produce in one evaluation, all calls together. */
  maxProducedChars: number;
  /** Most matches `$replace`/`$split` may work through in one call. */
  maxMatches: number;
  /** Longest source `$eval` may parse (the same bound as a recipe's own expressions). */
  maxEvalSourceLength: number;
}

export const SIZE_LIMITS: ExpressionSizeLimits = {
  maxStringLength: 2 * 1024 * 1024,
  maxArrayLength: 100_000,
  maxValueSize: 32 * 1024 * 1024,
  maxProducedChars: 16 * 1024 * 1024,
  maxMatches: 100_000,
  maxEvalSourceLength: 4_096,
};

/** A bound of SIZE_LIMITS was hit: the evaluation stops with this (the message names the function or operator). */
export class ExpressionLimitError extends Error {
  override readonly name = 'ExpressionLimitError';
  readonly code = 'J0001';
}

/**
 * The regex engine of every `/pattern/` in an expression: RE2 runs in time linear in its input
 * (no backtracking), so `/(a+)+$/` cannot stall the event loop. It has no backreferences or
 * lookaround; such a pattern is refused when the recipe is saved.
 */
export const RegexEngine = RE2 as unknown as RegExpConstructor;

/** Why RE2 refuses a pattern, or undefined when it compiles. */
export function unsupportedRegex(pattern: RegExp): string | undefined {
  try {
    new RE2(pattern);
    return undefined;
  } catch (error) {
    return `regular expression /${pattern.source}/ is not supported (${(error as Error).message}): patterns run on a linear-time engine without backreferences or lookaround`;
  }
}

// jsonata's native function objects: `implementation` gets the focus (environment, input) as `this`.
interface NativeFunction {
  _jsonata_function: true;
  implementation: (this: Focus, ...args: never[]) => unknown;
  signature?: unknown;
}
interface Focus {
  environment: { base: EvaluationBase };
  input: unknown;
  createSequence?: () => unknown[];
}
// The per-evaluation frame jsonata creates for every evaluate(): budgets and measurements live on it.
interface EvaluationBase {
  [SPENT]?: number;
  [WEIGHTS]?: WeakMap<object, Weight>;
}
const SPENT = Symbol('junction.produced-chars');
const WEIGHTS = Symbol('junction.value-weights');
type Weight = { length: number; size: number };

const EXIT_HOOK = Symbol.for('jsonata.__evaluate_exit');

/**
 * The built-in as jsonata defines it. A probe program's exit hook sees the value `$name` evaluates
 * to; jsonata runs an evaluation synchronously up to its first pending promise, and looking up a
 * variable is synchronous, so the value is there when `evaluate` returns its promise.
 */
function builtin(name: string): NativeFunction {
  let found: unknown;
  const probe = jsonata(`$${name}`);
  probe.assign(EXIT_HOOK as unknown as string, (_expr: unknown, _input: unknown, _env: unknown, result: unknown) => {
    found = result;
  });
  probe.evaluate({}).catch(() => undefined);
  const fn = found as NativeFunction | undefined;
  if (!fn?._jsonata_function) throw new Error(`jsonata built-in $${name} not found: the expression guards need updating for this jsonata version`);
  return fn;
}

function fail(message: string): never {
  throw new ExpressionLimitError(message);
}

function charge(focus: Focus, chars: number, fn: string): void {
  const base = focus.environment.base;
  const spent = (base[SPENT] ?? 0) + chars;
  base[SPENT] = spent;
  if (spent > SIZE_LIMITS.maxProducedChars) fail(`${fn} would take the characters produced by this expression past ${SIZE_LIMITS.maxProducedChars}`);
}

function checkString(length: number, fn: string): void {
  if (length > SIZE_LIMITS.maxStringLength) fail(`${fn} would return ${length} characters; at most ${SIZE_LIMITS.maxStringLength} are allowed`);
}

const isNative = (v: object): boolean => (v as { _jsonata_function?: unknown })._jsonata_function === true;
const isLambda = (v: object): boolean => (v as { _jsonata_lambda?: unknown })._jsonata_lambda === true;

/**
 * Approximate JSON length of a value, stopping early once past `cap`. Shared subtrees are counted
 * every time they occur (a value built by doubling a list 40 times is huge as JSON even though it
 * is small in memory); `memo` keeps each container's total so that costs one visit per container.
 */
function weigh(value: unknown, cap: number, memo?: WeakMap<object, Weight>): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || typeof value !== 'object') return 4;
  // a function value (its closure holds the input and the syntax tree) is "" in JSON
  if (isNative(value) || isLambda(value)) return 2;
  const known = memo?.get(value);
  if (known && (!Array.isArray(value) || known.length === value.length)) return known.size;
  let size = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && size <= cap; i++) size += weigh(value[i], cap - size, memo) + 1;
  } else {
    for (const key of Object.keys(value)) {
      size += key.length + 4 + weigh((value as Record<string, unknown>)[key], cap - size, memo);
      if (size > cap) break;
    }
  }
  if (size <= cap) memo?.set(value, { length: Array.isArray(value) ? value.length : 0, size });
  return size;
}

/** JSON length of `value` pretty-printed with an indent of 2 at `depth` (indentation grows with nesting); stops past `cap`. */
function prettyWeight(value: unknown, cap: number, depth = 0): number {
  if (value === null || typeof value !== 'object') return weigh(value, cap);
  let size = 2 + 2 * depth;
  const children = Array.isArray(value) ? value : Object.values(value);
  const keys = Array.isArray(value) ? undefined : Object.keys(value);
  for (let i = 0; i < children.length && size <= cap; i++) size += 2 * (depth + 1) + 3 + (keys ? keys[i].length + 4 : 0) + prettyWeight(children[i], cap - size, depth + 1);
  return size;
}

/** Checks a value computed by an operator or function node as it leaves the node. */
function checkComputed(value: unknown, base: EvaluationBase, what: () => string): void {
  if (typeof value === 'string') {
    if (value.length > SIZE_LIMITS.maxStringLength) fail(`${what()} produced ${value.length} characters; at most ${SIZE_LIMITS.maxStringLength} are allowed`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value) && value.length > SIZE_LIMITS.maxArrayLength)
    fail(`${what()} produced a list of ${value.length} items; at most ${SIZE_LIMITS.maxArrayLength} are allowed`);
  if (isNative(value) || isLambda(value)) return;
  const memo = (base[WEIGHTS] ??= new WeakMap());
  const size = weigh(value, SIZE_LIMITS.maxValueSize, memo);
  if (size > SIZE_LIMITS.maxValueSize) fail(`${what()} produced a value of more than ${SIZE_LIMITS.maxValueSize} characters as JSON`);
}

interface AstNode {
  type: string;
  value?: unknown;
  procedure?: { value?: unknown };
}

// Nodes that compute a new value; the others pass on what their children or the input hold.
const COMPUTING = new Set(['binary', 'unary', 'function', 'apply', 'partial', 'transform']);

function describeNode(expr: AstNode): string {
  if (expr.type === 'function' || expr.type === 'partial') return typeof expr.procedure?.value === 'string' ? `$${expr.procedure.value}()` : 'a function call';
  if (expr.type === 'unary') return expr.value === '[' ? 'a list constructor' : expr.value === '{' ? 'an object constructor' : `operator ${String(expr.value)}`;
  return `operator ${String(expr.value)}`;
}

/** jsonata's exit hook: every computed value is measured before the next node can use it. */
function onExit(expr: AstNode, _input: unknown, environment: { base: EvaluationBase }, result: unknown): void {
  if (result === undefined || !COMPUTING.has(expr.type)) return;
  if (typeof result !== 'object' && typeof result !== 'string') return;
  checkComputed(result, environment.base, () => describeNode(expr));
}

type Guard = (this: Focus, original: NativeFunction, args: unknown[]) => unknown;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
// jsonata hands a regex to a built-in as a function answering (a promise of) the first match, each with `next()`
const isRegexMatcher = (v: unknown): v is (s: string) => Promise<RegexMatch | undefined> => typeof v === 'function';
interface RegexMatch {
  match: string;
  next: () => RegexMatch | undefined | Promise<RegexMatch | undefined>;
}

/** Matches of `pattern` (a string or one of jsonata's regex closures) in `s`, counted up to `max + 1`; undefined for a jsonata lambda matcher (it runs node by node, under the timeout). */
async function countMatches(s: string, pattern: unknown, limit: number, max: number, perMatch: (matchLength: number) => void): Promise<number | undefined> {
  let count = 0;
  if (typeof pattern === 'string') {
    if (pattern.length === 0) return 0;
    for (let i = s.indexOf(pattern); i !== -1 && count < limit && count <= max; i = s.indexOf(pattern, i + pattern.length)) {
      count++;
      perMatch(pattern.length);
    }
    return count;
  }
  if (!isRegexMatcher(pattern)) return undefined;
  for (let m = await pattern(s); m && count < limit && count <= max; m = await m.next()) {
    count++;
    perMatch(m.match.length);
  }
  return count;
}

// A list walked by a built-in callback runs without a node boundary between items (no timeout check).
const NATIVE_CALLBACK_MAX = 1_000;

function isFunctionValue(v: unknown, kind: 'lambda' | 'native'): boolean {
  return v !== null && typeof v === 'object' && (kind === 'lambda' ? isLambda(v) : isNative(v));
}

/** $map and friends: a lambda callback is checked node by node; a built-in one over a long list is refused. */
function callbackGuard(fn: string): Guard {
  return function (this: Focus, original, args) {
    const [list, callback] = args as [unknown, unknown];
    if (Array.isArray(list) && list.length > NATIVE_CALLBACK_MAX && !isFunctionValue(callback, 'lambda')) {
      fail(`${fn} with a built-in function over ${list.length} items; at most ${NATIVE_CALLBACK_MAX} are allowed (use a function(...) callback)`);
    }
    return original.implementation.apply(this, args as never[]);
  };
}

const GUARDS: Record<string, Guard> = {
  pad(original, args) {
    const [s, width, ch] = args as [string | undefined, number, string | undefined];
    if (s === undefined) return undefined;
    const w = Math.abs(Math.trunc(Number(width)));
    checkString(w, '$pad');
    const padLength = w - [...s].length;
    if (padLength <= 0) return s;
    charge(this, w, '$pad');
    const fill = ch === undefined || ch.length === 0 ? ' ' : ch;
    // jsonata joins an array of padLength holes (slow in V8) and cuts multi-character fills by code point
    if (fill.length > 1) {
      checkString(padLength * fill.length, '$pad');
      return original.implementation.apply(this, args as never[]);
    }
    const padding = fill.repeat(padLength);
    return Number(width) > 0 ? s + padding : padding + s;
  },
  join(original, args) {
    const [list, sep] = args as [unknown, unknown];
    const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
    let total = Math.max(0, items.length - 1) * str(sep).length;
    for (let i = 0; i < items.length && total <= SIZE_LIMITS.maxStringLength; i++) total += str(items[i]).length;
    checkString(total, '$join');
    charge(this, total, '$join');
    return original.implementation.apply(this, args as never[]);
  },
  string(original, args) {
    const [value, prettify] = args as [unknown, unknown];
    if (value !== null && typeof value === 'object') {
      const size = prettify === true ? prettyWeight(value, SIZE_LIMITS.maxStringLength) : weigh(value, SIZE_LIMITS.maxStringLength);
      checkString(size, '$string');
      charge(this, size, '$string');
    }
    return original.implementation.apply(this, args as never[]);
  },
  async replace(original, args) {
    const [s, pattern, replacement, limit] = args as [unknown, unknown, unknown, unknown];
    if (typeof s !== 'string') return original.implementation.apply(this, args as never[]);
    const cap = typeof limit === 'number' && limit >= 0 ? limit : Infinity;
    const text = typeof replacement === 'string' ? replacement : undefined;
    // each `$n` in a replacement text inserts at most the whole match
    const refs = text === undefined ? 0 : text.split('$').length - 1;
    let added = 0;
    const count = await countMatches(s, pattern, cap, SIZE_LIMITS.maxMatches, (matchLength) => {
      added += (text?.length ?? 0) + refs * matchLength;
    });
    if (count !== undefined && count > SIZE_LIMITS.maxMatches) fail(`$replace found more than ${SIZE_LIMITS.maxMatches} matches`);
    if (text !== undefined) {
      checkString(s.length + added, '$replace');
      charge(this, s.length + added, '$replace');
    }
    return original.implementation.apply(this, args as never[]);
  },
  async split(original, args) {
    const [s, separator, limit] = args as [unknown, unknown, unknown];
    if (typeof s !== 'string') return original.implementation.apply(this, args as never[]);
    const max = SIZE_LIMITS.maxArrayLength;
    // one more than allowed is enough to know the list is too long, and stops jsonata there
    const bounded = typeof limit === 'number' && limit <= max ? limit : max + 1;
    const result = (await original.implementation.apply(this, [s, separator, bounded] as never[])) as unknown[];
    if (Array.isArray(result) && result.length > max) fail(`$split would return more than ${max} items`);
    return result;
  },
  distinct(original, args) {
    const [list] = args as [unknown];
    // jsonata compares every item with every kept one (quadratic): long lists go through keys instead
    if (!Array.isArray(list) || list.length <= 100) return original.implementation.apply(this, args as never[]);
    if (list.length > SIZE_LIMITS.maxArrayLength) fail(`$distinct over ${list.length} items; at most ${SIZE_LIMITS.maxArrayLength} are allowed`);
    const seen = new Set<string>();
    const out = (list as { sequence?: boolean }).sequence && this.createSequence ? this.createSequence() : [];
    for (const item of list) {
      const key = canonicalKey(item);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(item);
    }
    return out;
  },
  sort(original, args) {
    const [list, comparator] = args as [unknown, unknown];
    if (!Array.isArray(list) || list.length <= 1) return original.implementation.apply(this, args as never[]);
    if (list.length > SIZE_LIMITS.maxArrayLength) fail(`$sort over ${list.length} items; at most ${SIZE_LIMITS.maxArrayLength} are allowed`);
    if (comparator === undefined) {
      // jsonata's merge sort copies the rest of a list at every step (quadratic) and is one call with
      // no node boundary: numbers and strings are sorted natively instead, in the same stable order
      const numbers = list.every((v) => typeof v === 'number');
      if (!numbers && !list.every((v) => typeof v === 'string')) return original.implementation.apply(this, args as never[]);
      return [...(list as (number | string)[])].sort((a, b) => (a > b ? 1 : a < b ? -1 : 0));
    }
    // a lambda comparator evaluates nodes (under the timeout); a built-in one would not
    if (!isFunctionValue(comparator, 'lambda') && list.length > NATIVE_CALLBACK_MAX)
      fail(`$sort with a built-in comparator over ${list.length} items; at most ${NATIVE_CALLBACK_MAX} are allowed`);
    return original.implementation.apply(this, args as never[]);
  },
  map: callbackGuard('$map'),
  filter: callbackGuard('$filter'),
  reduce: callbackGuard('$reduce'),
  single: callbackGuard('$single'),
  clone(original, args) {
    const size = weigh(args[0], SIZE_LIMITS.maxValueSize);
    if (size > SIZE_LIMITS.maxValueSize) fail(`$clone of a value of more than ${SIZE_LIMITS.maxValueSize} characters as JSON`);
    charge(this, size, '$clone');
    return original.implementation.apply(this, args as never[]);
  },
  eval(original, args) {
    const [source] = args as [unknown];
    if (typeof source === 'string' && source.length > SIZE_LIMITS.maxEvalSourceLength)
      fail(`$eval of ${source.length} characters; at most ${SIZE_LIMITS.maxEvalSourceLength} are allowed`);
    return original.implementation.apply(this, args as never[]);
  },
};

/** Equal keys for values jsonata's deep equality calls equal (JSON values: key order does not matter). */
function canonicalKey(value: unknown): string {
  if (value === null || typeof value !== 'object') return `${typeof value}:${String(value)}`;
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

const guarded: [string, NativeFunction][] = Object.entries(GUARDS).map(([name, guard]) => {
  const original = builtin(name);
  // same signature (argument checks, context argument, arity seen by $map) as the original
  const wrapper: NativeFunction = {
    ...original,
    implementation(this: Focus, ...args: never[]) {
      return guard.call(this, original, args);
    },
  };
  return [name, wrapper];
});

/** Installs the guarded built-ins and the exit hook on a compiled program (once, at compile time). */
export function guard(program: jsonata.Expression): void {
  for (const [name, fn] of guarded) program.assign(name, fn);
  program.assign(EXIT_HOOK as unknown as string, onExit);
}
