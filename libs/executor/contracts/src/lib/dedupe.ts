/** A body-hash key absorbs a sender's retries for this long unless the recipe says otherwise. */
export const DEFAULT_BODY_HASH_WINDOW = '5m';

/** `window` of `trigger.dedupe`: whole seconds, minutes, hours (up to 9999) or days (up to 99), or `off`. */
export const DEDUPE_WINDOW_PATTERN = '^(off|[1-9][0-9]{0,3}[smh]|[1-9][0-9]?d)$';

/** `key` of `trigger.dedupe`: a request header carrying the sender's delivery id... */
export const DEDUPE_KEY_PATTERN = '^header:[A-Za-z0-9-]{1,100}$';

/** ...or one `{{ expression }}` over the event (`{{ trigger.body.id }}`). */
export const DEDUPE_EXPRESSION_PATTERN = '^\\{\\{[\\s\\S]+\\}\\}$';

/** The expression of a `{{ … }}` dedupe key, or undefined for a header key. */
export function dedupeKeyExpression(key: unknown): string | undefined {
  if (typeof key !== 'string' || !key.startsWith('{{') || !key.endsWith('}}')) return undefined;
  const source = key.slice(2, -2).trim();
  return source.length > 0 ? source : undefined;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a dedupe window (`"5m"`), 0 for `off`, undefined when it is not one. */
export function dedupeWindowMs(window: string): number | undefined {
  if (!new RegExp(DEDUPE_WINDOW_PATTERN).test(window)) return undefined;
  if (window === 'off') return 0;
  return Number(window.slice(0, -1)) * UNIT_MS[window.slice(-1)];
}
