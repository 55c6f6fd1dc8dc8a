import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The functions a service spent most of its sampled time in, self time (not counting callees). */
export interface ProfileTop {
  service: string;
  file: string;
  totalMs: number;
  /** Sampled time not idle: what the percentages are of. */
  busyMs: number;
  top: { name: string; where: string; selfMs: number; percent: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name + script + line) of each `<service>-<ms>.cpuprofile` in `dir`, the `count` largest. */
export function topSelfTime(dir: string, count: number): ProfileTop[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((file) => {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
      const selfUs = new Map<string, { name: string; where: string; us: number }>();
      let totalUs = 0;
      let idleUs = 0;
      profile.samples.forEach((id, i) => {
        const node = byNode.get(id);
        if (!node) return;
        const { functionName, url, lineNumber } = node.callFrame;
        const where = url ? `${url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
        const key = `${functionName}@${where}`;
        const entry = selfUs.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
        entry.us += profile.timeDeltas[i] ?? 0;
        totalUs += profile.timeDeltas[i] ?? 0;
        if (functionName === '(idle)') idleUs += profile.timeDeltas[i] ?? 0;
        selfUs.set(key, entry);
      });
      const top = [...selfUs.values()]
        .filter((e) => e.name !== '(idle)')
        .sort((a, b) => b.us - a.us)
        .slice(0, count)
        .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, percent: (100 * e.us) / Math.max(1, totalUs - idleUs) }));
      return { service: file.replace(/-\d+\.cpuprofile$/, ''), file: join(dir, file), totalMs: totalUs / 1000, busyMs: (totalUs - idleUs) / 1000, top };
    });
}
