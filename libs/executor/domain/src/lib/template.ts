import {
  type ClockBindings,
  compileExpression,
  type CompiledExpression,
  type EvaluationContext,
  evaluateExpression,
  ExpressionError,
  type ExpressionSite,
  FALLBACK,
  isSyncCapable,
  readPath,
} from './expression';

/**
 * A value of a recipe compiled once: constants stay as they are (shared, never mutated), strings
 * with `{{ }}` become expressions, objects and lists with a template inside are rebuilt on render.
 * `sync` is true when every expression inside is plain navigation, so rendering needs no promise.
 */
export type TemplateNode =
  | { readonly kind: 'const'; readonly value: unknown; readonly sync: true }
  | { readonly kind: 'expr'; readonly expr: CompiledExpression; readonly sync: boolean }
  | { readonly kind: 'concat'; readonly parts: readonly (string | CompiledExpression)[]; readonly sync: boolean }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, TemplateNode])[]; readonly sync: boolean }
  | { readonly kind: 'array'; readonly items: readonly TemplateNode[]; readonly sync: boolean };

export type TemplatePart = string | { expr: string };

/**
 * Splits a string into text and `{{ expr }}` parts. The end of an expression is the first `}}`
 * outside JSONata string literals and object braces, so `{{ {"a": {"b": 1}} }}` is one expression.
 */
export function scanTemplate(text: string): TemplatePart[] | { error: string } {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  for (;;) {
    const open = text.indexOf('{{', cursor);
    if (open < 0) break;
    if (open > cursor) parts.push(text.slice(cursor, open));
    let depth = 0;
    let quote: string | undefined;
    let end = -1;
    for (let i = open + 2; i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '{') depth++;
      else if (c === '}') {
        if (depth > 0) depth--;
        else if (text[i + 1] === '}') {
          end = i;
          break;
        }
      }
    }
    if (end < 0) return { error: `unterminated {{ at character ${open}` };
    parts.push({ expr: text.slice(open + 2, end).trim() });
    cursor = end + 2;
  }
  if (cursor < text.length) parts.push(text.slice(cursor));
  return parts;
}

export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{{');
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Compiles a recipe value at `path` (a JSON pointer) for step `stepId`. Every expression error
 * found is passed to `onError` (validation wants them all); the node is still returned.
 */
export function compileTemplate(value: unknown, stepId: string, path: string, onError: (error: ExpressionError) => void): TemplateNode {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return { kind: 'const', value, sync: true };
    const site: ExpressionSite = { stepId, path };
    const parts = scanTemplate(value);
    if (!Array.isArray(parts)) {
      onError(new ExpressionError(site, value, parts.error, 'template'));
      return { kind: 'const', value, sync: true };
    }
    const compiled: (string | CompiledExpression)[] = [];
    for (const part of parts) {
      if (typeof part === 'string') {
        compiled.push(part);
        continue;
      }
      try {
        compiled.push(compileExpression(part.expr, site));
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        onError(error);
        return { kind: 'const', value, sync: true };
      }
    }
    if (compiled.length === 1 && typeof compiled[0] !== 'string') return { kind: 'expr', expr: compiled[0], sync: isSyncCapable(compiled[0]) };
    return { kind: 'concat', parts: compiled, sync: compiled.every((p) => typeof p === 'string' || isSyncCapable(p)) };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileTemplate(item, stepId, `${path}/${i}`, onError));
    if (items.every((n) => n.kind === 'const')) return { kind: 'const', value, sync: true };
    return { kind: 'array', items, sync: items.every((n) => n.sync) };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, compileTemplate(v, stepId, `${path}/${escapePointer(k)}`, onError)] as const);
    if (entries.every(([, n]) => n.kind === 'const')) return { kind: 'const', value, sync: true };
    return { kind: 'object', entries, sync: entries.every(([, n]) => n.sync) };
  }
  return { kind: 'const', value, sync: true };
}

/** Every expression inside a compiled value (for reference checks). */
export function* expressionsOf(node: TemplateNode): Generator<CompiledExpression> {
  switch (node.kind) {
    case 'const':
      return;
    case 'expr':
      yield node.expr;
      return;
    case 'concat':
      for (const p of node.parts) if (typeof p !== 'string') yield p;
      return;
    case 'object':
      for (const [, n] of node.entries) yield* expressionsOf(n);
      return;
    case 'array':
      for (const n of node.items) yield* expressionsOf(n);
      return;
  }
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

// Thrown by renderSync when a plain path met a list and jsonata had to take over.
const NEEDS_ASYNC = Symbol('needs-async');
const ignore = () => undefined;

function evaluateSync(expr: CompiledExpression, ctx: EvaluationContext, clock: ClockBindings): unknown {
  // a list on the way: leave the whole template to the async pass before jsonata starts (it would run twice)
  if (expr.path) {
    const value = readPath(expr.path, ctx);
    if (value === FALLBACK) throw NEEDS_ASYNC;
    return value;
  }
  const value = evaluateExpression(expr, ctx, clock);
  if (value instanceof Promise) {
    value.catch(ignore);
    throw NEEDS_ASYNC;
  }
  return value;
}

function renderSync(node: TemplateNode, ctx: EvaluationContext, clock: ClockBindings): unknown {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'expr':
      return evaluateSync(node.expr, ctx, clock);
    case 'concat': {
      let out = '';
      for (const p of node.parts) out += typeof p === 'string' ? p : stringify(evaluateSync(p, ctx, clock));
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, n] of node.entries) {
        const v = renderSync(n, ctx, clock);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    case 'array':
      return node.items.map((n) => renderSync(n, ctx, clock) ?? null);
  }
}

async function renderAsync(node: TemplateNode, ctx: EvaluationContext, clock: ClockBindings): Promise<unknown> {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'expr':
      return evaluateExpression(node.expr, ctx, clock);
    case 'concat': {
      let out = '';
      for (const p of node.parts) out += typeof p === 'string' ? p : stringify(await evaluateExpression(p, ctx, clock));
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, n] of node.entries) {
        let v = renderChild(n, ctx, clock);
        if (v instanceof Promise) v = await v;
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    case 'array': {
      const out: unknown[] = [];
      for (const n of node.items) {
        let v = renderChild(n, ctx, clock);
        if (v instanceof Promise) v = await v;
        out.push(v ?? null);
      }
      return out;
    }
  }
}

// One async layer less per member: most members are a lone expression or a constant.
function renderChild(node: TemplateNode, ctx: EvaluationContext, clock: ClockBindings): unknown {
  if (node.kind === 'expr') return evaluateExpression(node.expr, ctx, clock);
  return render(node, ctx, clock);
}

/**
 * Renders a compiled value. Plain-navigation templates (the common case) resolve without a
 * promise; the fast path never yields a jsonata sequence or a list lookup (those fall back).
 */
export function render(node: TemplateNode, ctx: EvaluationContext, clock: ClockBindings): unknown {
  if (node.kind === 'const') return node.value;
  if (!node.sync) return renderAsync(node, ctx, clock);
  try {
    return renderSync(node, ctx, clock);
  } catch (error) {
    if (error === NEEDS_ASYNC) return renderAsync(node, ctx, clock);
    throw error;
  }
}
