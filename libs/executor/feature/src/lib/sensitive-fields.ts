import { GetConnector } from '@junction/connectors/contracts';
import type { MessageBus } from '@junction/platform/ports';

const TTL_MS = 60_000;
export const REDACTED = '[redacted]';

/**
 * `value` with each dotted path (relative to it) replaced by `[redacted]` where present. Only the
 * objects on a redacted path are copied; the rest is shared with `value`, which is left as it is
 * (a deep copy of every step's input and output was ~1% of the executor's busy time, #19).
 */
export function redactPaths(value: unknown, paths: string[]): unknown {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  let out: unknown = value;
  for (const path of paths) out = replacedAt(out, path.split('.'), 0);
  return out;
}

/** `node` with `keys[at..]` replaced, copied only if something under it changed. */
function replacedAt(node: unknown, keys: string[], at: number): unknown {
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, keys[at])) return node;
  const current = (node as Record<string, unknown>)[keys[at]];
  const next = at === keys.length - 1 ? REDACTED : replacedAt(current, keys, at + 1);
  if (next === current) return node;
  const copy = (Array.isArray(node) ? [...node] : { ...node }) as Record<string, unknown>;
  copy[keys[at]] = next;
  return copy;
}

/**
 * The fields each connector action marks sensitive (`input.body.password`, `output.token`),
 * read from the connectors service's catalog and kept for a minute per workspace and connector.
 */
export class SensitiveFields {
  private readonly cache = new Map<string, { byAction: Map<string, ActionTraits>; until: number }>();

  constructor(private readonly bus: MessageBus) {}

  /** Paths for `connector.action`, split by where they apply; undefined when the catalog cannot be read. */
  async of(workspaceId: string, action: string): Promise<{ input: string[]; output: string[] } | undefined> {
    const traits = await this.traits(workspaceId, action);
    if (!traits) return undefined;
    const paths = traits.sensitive;
    const under = (prefix: string) => paths.filter((p) => p.startsWith(`${prefix}.`)).map((p) => p.slice(prefix.length + 1));
    return { input: under('input'), output: under('output') };
  }

  /** Whether `connector.action` declares itself idempotent (the effect ledger's question); undefined when the catalog cannot be read. */
  async idempotency(workspaceId: string, action: string): Promise<boolean | 'key' | undefined> {
    return (await this.traits(workspaceId, action))?.idempotent;
  }

  /** What the catalog says of one action; undefined when it cannot be read (an unknown action has none). */
  private async traits(workspaceId: string, action: string): Promise<ActionTraits | undefined> {
    const [connector, actionKey] = action.split('.');
    const key = `${workspaceId}:${connector}`;
    let entry = this.cache.get(key);
    if (!entry || entry.until < Date.now()) {
      try {
        const summary = await this.bus.request(GetConnector, { key: connector, workspaceId });
        entry = { byAction: new Map(summary.actions.map((a) => [a.key, { sensitive: a.sensitive ?? [], idempotent: a.idempotent ?? false }])), until: Date.now() + TTL_MS };
        this.cache.set(key, entry);
      } catch {
        return undefined;
      }
    }
    return entry.byAction.get(actionKey) ?? { sensitive: [], idempotent: false };
  }
}

interface ActionTraits {
  sensitive: string[];
  idempotent: boolean | 'key';
}
