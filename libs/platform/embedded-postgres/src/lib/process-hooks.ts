/** What the hooks need of a running server. */
export interface StoppableServer {
  readonly pid: number;
  stop(): Promise<void>;
}

const running = new Set<StoppableServer>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A server must not outlive this process silently. On exit: SIGINT to each (an 'exit' listener
 * cannot wait; the server finishes a fast shutdown alone). On SIGINT/SIGTERM/SIGHUP: when the
 * application has its own handler, its shutdown calls `stop()` or exits (then the exit hook
 * applies); when nobody else handles the signal, stop the servers and re-raise it, so the process
 * ends as it would have without us.
 */
export function stopWithProcess(server: StoppableServer): void {
  if (running.size === 0) {
    process.on('exit', onExit);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  running.add(server);
}

export function forgetServer(server: StoppableServer): void {
  running.delete(server);
  if (running.size === 0) removeHooks();
}

function removeHooks(): void {
  process.removeListener('exit', onExit);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

function onExit(): void {
  for (const server of running) {
    try {
      process.kill(server.pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listeners(signal).some((listener) => listener !== onSignal)) return;
  void Promise.allSettled([...running].map((server) => server.stop())).finally(() => {
    removeHooks();
    process.kill(process.pid, signal);
  });
}
