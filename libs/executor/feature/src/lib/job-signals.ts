import { Injectable } from '@nestjs/common';

/** In-process nudges: a queued job wakes the dispatcher now rather than at its next poll. */
@Injectable()
export class JobSignals {
  private readonly listeners = new Set<() => void>();

  onJobQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  jobQueued(): void {
    for (const listener of this.listeners) listener();
  }
}
