import { GetConnector } from '@junction/connectors/contracts';
import type { MessageBus } from '@junction/platform/ports';

const TTL_MS = 60_000;
export const REDACTED = '[redacted]';

/** Copies `value` with each dotted path (relative to it) replaced by `[redacted]` where present. */
export function redactPaths(value: unknown, paths: string[]): unknown {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const path of paths) {
    const keys = path.split('.');
    let node: unknown = copy;
    for (let i = 0; i < keys.length - 1 && node !== null && typeof node === 'object'; i++) node = (node as Record<string, unknown>)[keys[i]];
    const last = keys[keys.length - 1];
    if (node !== null && typeof node === 'object' && Object.hasOwn(node, last)) (node as Record<string, unknown>)[last] = REDACTED;
  }
  return copy;
}

/**
 * The fields each connector action marks sensitive (`input.body.password`, `output.token`),
 * read from the connectors service's catalog and kept for a minute per workspace and connector.
 */
export class SensitiveFields {
  private readonly cache = new Map<string, { byAction: Map<string, string[]>; until: number }>();

  constructor(private readonly bus: MessageBus) {}

  /** Paths for `connector.action`, split by where they apply; undefined when the catalog cannot be read. */
  async of(workspaceId: string, action: string): Promise<{ input: string[]; output: string[] } | undefined> {
    const [connector, actionKey] = action.split('.');
    const key = `${workspaceId}:${connector}`;
    let entry = this.cache.get(key);
    if (!entry || entry.until < Date.now()) {
      try {
        const summary = await this.bus.request(GetConnector, { key: connector, workspaceId });
        entry = { byAction: new Map(summary.actions.map((a) => [a.key, a.sensitive ?? []])), until: Date.now() + TTL_MS };
        this.cache.set(key, entry);
      } catch {
        return undefined;
      }
    }
    const paths = entry.byAction.get(actionKey) ?? [];
    const under = (prefix: string) => paths.filter((p) => p.startsWith(`${prefix}.`)).map((p) => p.slice(prefix.length + 1));
    return { input: under('input'), output: under('output') };
  }
}
