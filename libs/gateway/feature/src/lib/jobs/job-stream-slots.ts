/** Open event streams one workspace may hold on one gateway process: each polls the executor every ~250 ms. */
export const JOB_STREAMS_PER_WORKSPACE = 20;
/** Open event streams on one gateway process, all workspaces together. */
export const JOB_STREAMS_PER_PROCESS = 1000;

/** Counts the open job event streams, so one workspace cannot hold the gateway's sockets and the executor's reads. */
export class JobStreamSlots {
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perWorkspace = JOB_STREAMS_PER_WORKSPACE,
    private readonly perProcess = JOB_STREAMS_PER_PROCESS,
  ) {}

  /** A release function (idempotent) when a slot is free, undefined past a cap. */
  acquire(workspaceId: string): (() => void) | undefined {
    const held = this.open.get(workspaceId) ?? 0;
    if (held >= this.perWorkspace || this.total >= this.perProcess) return undefined;
    this.open.set(workspaceId, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.open.get(workspaceId) ?? 1) - 1;
      if (left > 0) this.open.set(workspaceId, left);
      else this.open.delete(workspaceId);
    };
  }
}
