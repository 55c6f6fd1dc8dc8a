type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** JSON with object keys sorted at every level: equal recipes give equal strings whatever their key order (jsonb reorders keys). */
export function canonicalJson(value: Json): string {
  const sort = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sort);
    if (!isObject(v)) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sort(v[k])]),
    );
  };
  return JSON.stringify(sort(value));
}

/** `value` with its keys in `model`'s order where `model` has them (the file's order), its own keys after. */
export function alignKeys(value: Json, model: Json): Json {
  if (Array.isArray(value)) return value.map((item, i) => alignKeys(item, Array.isArray(model) ? model[i] : undefined));
  if (!isObject(value)) return value;
  const order = isObject(model) ? Object.keys(model).filter((k) => k in value) : [];
  const rest = Object.keys(value).filter((k) => !order.includes(k));
  return Object.fromEntries([...order, ...rest].map((k) => [k, alignKeys(value[k], isObject(model) ? model[k] : undefined)]));
}

const CONTEXT = 2;

/**
 * A unified diff of two texts' lines (longest common subsequence), with `CONTEXT` unchanged
 * lines around each change and `…` between hunks. Recipes are small: quadratic is fine.
 */
export function lineDiff(before: string[], after: string[]): string[] {
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      ops.push({ op: ' ', line: before[i++] });
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ op: '-', line: before[i++] });
    else ops.push({ op: '+', line: after[j++] });
  }
  const keep = ops.map((o, k) => o.op !== ' ' || ops.slice(Math.max(0, k - CONTEXT), k + CONTEXT + 1).some((near) => near.op !== ' '));
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (keep[k]) out.push(`${o.op} ${o.line}`.trimEnd());
    else if (k > 0 && keep[k - 1]) out.push('  …');
  });
  return out[out.length - 1] === '  …' ? out.slice(0, -1) : out;
}
