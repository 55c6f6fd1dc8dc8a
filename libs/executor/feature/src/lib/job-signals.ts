import { Injectable } from '@nestjs/common';
import type { JobLease, JobRow } from '@junction/executor/data-access';

/**
 * Room the dispatcher offers for jobs leased to it as they are inserted (`JobRepository.
 * insertForEventsAsync`): `done` hands it the rows the insert leased (none if it failed) with
 * the insert's `durable`, and frees what is left of the room.
 */
export interface LeaseOffer extends JobLease {
  done(leased: JobRow[], durable?: () => Promise<void>): void;
}

/** In-process nudges: a queued job wakes the dispatcher now rather than at its next poll. */
@Injectable()
export class JobSignals {
  private readonly listeners = new Set<() => void>();
  private taker?: (jobs: number) => LeaseOffer | undefined;

  onJobQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  jobQueued(): void {
    for (const listener of this.listeners) listener();
  }

  /** The dispatcher takes jobs leased at insert (one taker: the last to register). */
  onLeaseOffer(taker: (jobs: number) => LeaseOffer | undefined): () => void {
    this.taker = taker;
    return () => {
      if (this.taker === taker) this.taker = undefined;
    };
  }

  /** Room for up to `jobs` new jobs to be leased as they are inserted, or undefined: insert them queued and nudge. */
  leaseOffer(jobs: number): LeaseOffer | undefined {
    return this.taker?.(jobs);
  }
}
