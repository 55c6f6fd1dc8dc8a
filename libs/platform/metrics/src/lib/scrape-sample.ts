/**
 * One reading shared by the gauges of a scrape: prom-client collects each metric on its own, and
 * two gauges fed by one query (depth and age) must not run it twice. The registry starts every
 * metric's collection at once, so a reading is shared while it is in flight, and the next scrape
 * takes a new one.
 */
export class ScrapeSample<T> {
  private pending?: Promise<T>;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (!this.pending) {
      const reading = this.read();
      this.pending = reading;
      const clear = () => {
        if (this.pending === reading) this.pending = undefined;
      };
      reading.then(clear, clear);
    }
    return this.pending;
  }
}

/** `work`, or `fallback` once `ms` pass: a scrape must not hang on a server that does not answer. */
export async function withinMs<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([work.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}
