import { readFileSync, readdirSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`): 100 on every kernel this runs on. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, ticks: its own CPU and that of the children it reaped */
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may hold spaces: fields start after the last ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { pid, ppid: Number(fields[1]), ticks };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The process and every descendant (an embedded Postgres server and its backends, for example). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * CPU used so far by these processes and by the children they reaped, ms. Summed over a whole
 * tree it only grows: a Postgres backend that exits moves from its own count to the postmaster's.
 */
export function cpuMs(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + ((readStat(pid)?.ticks ?? 0) * 1000) / TICKS_PER_SECOND, 0);
}

export interface ProcessMemory {
  pid: number;
  /** `node`, `postgres: checkpointer`, `postgres: postgres junction_executor 127.0.0.1(40312) idle`, … */
  command: string;
  rssMb: number;
  pssMb: number;
}

export interface TreeMemory {
  /** Sum of VmRSS: a shared page counts once per process that maps it. */
  rssMb: number;
  /** Sum of Pss (smaps_rollup): a shared page is split among the processes that map it. */
  pssMb: number;
  processes: ProcessMemory[];
}

function kbField(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

function memoryOf(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, command, rssMb: kbField(status, 'VmRSS') / 1024, pssMb: kbField(rollup, 'Pss') / 1024 };
  } catch {
    return undefined; // exited meanwhile
  }
}

export function memory(pids: number[]): TreeMemory {
  const processes = pids.map(memoryOf).filter((m): m is ProcessMemory => m !== undefined);
  return {
    rssMb: processes.reduce((sum, p) => sum + p.rssMb, 0),
    pssMb: processes.reduce((sum, p) => sum + p.pssMb, 0),
    processes,
  };
}

/** `node …/main.js` → node, `postgres: postgres junction_auth 127.0.0.1(5) idle` → postgres backend. */
export function kindOf(command: string): 'node' | 'postgres server' | 'postgres backend' | 'other' {
  if (/(^|\/)node\s/.test(command)) return 'node';
  if (/^postgres: \S+ \S+ \d/.test(command)) return 'postgres backend';
  if (/(^|\/)postgres( |:|$)/.test(command)) return 'postgres server';
  return 'other';
}

/** Memory summed per kind of process, MB, with how many of each. */
export function byKind(tree: TreeMemory): Record<string, { count: number; rssMb: number; pssMb: number }> {
  const kinds: Record<string, { count: number; rssMb: number; pssMb: number }> = {};
  for (const p of tree.processes) {
    const kind = (kinds[kindOf(p.command)] ??= { count: 0, rssMb: 0, pssMb: 0 });
    kind.count++;
    kind.rssMb += p.rssMb;
    kind.pssMb += p.pssMb;
  }
  return kinds;
}
