import microdiff from 'microdiff';

/** One field that differs between two JSON values: `before` absent where it was added, `after` absent where it was removed. */
export interface FieldChange {
  /** Dotted, with list indices in brackets: `body.customer.email`, `items[2].sku`; `""` for the whole value. */
  path: string;
  before?: unknown;
  after?: unknown;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `["body", "items", 2, "sku"]` → `body.items[2].sku`; a key that is not a plain name is quoted: `headers["x.y"]`. */
export function renderPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => v !== null && typeof v === 'object';

/**
 * Every field that differs between two JSON values, leaves only (microdiff walks objects and
 * lists). Values that are not both objects or both lists differ as a whole, at path `""`.
 */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  if (!isContainer(before) || !isContainer(after) || Array.isArray(before) !== Array.isArray(after)) {
    if (sameJson(before, after)) return [];
    return [change('', before, after)];
  }
  return microdiff(before, after, { cyclesFix: false }).map((d) => {
    const path = renderPath(d.path);
    if (d.type === 'CREATE') return change(path, undefined, d.value);
    if (d.type === 'REMOVE') return change(path, d.oldValue, undefined);
    return change(path, d.oldValue, d.value);
  });
}

/** Deep equality of two JSON values (object key order does not matter). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  return microdiff(a, b, { cyclesFix: false }).length === 0;
}

function change(path: string, before: unknown, after: unknown): FieldChange {
  const out: FieldChange = { path };
  if (before !== undefined) out.before = before;
  if (after !== undefined) out.after = after;
  return out;
}
