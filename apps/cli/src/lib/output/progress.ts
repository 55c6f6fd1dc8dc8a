import { SingleBar } from 'cli-progress';

/** Counts work done; draws a bar on a terminal's stderr only (never in pipes, CI logs or tests). */
export interface Progress {
  tick(label?: string): void;
  stop(): void;
}

export function progress(total: number, title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total < 2) return { tick: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: `${title} [{bar}] {value}/{total} {label}`, stream, hideCursor: true, clearOnComplete: true });
  bar.start(total, 0, { label: '' });
  return { tick: (label = '') => bar.increment(1, { label }), stop: () => bar.stop() };
}
