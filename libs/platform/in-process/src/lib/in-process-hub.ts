/** A request as it crosses the hub: the payload as JSON text, so caller and handler never share an object. */
export interface HubRequest {
  readonly body: string;
  readonly traceparent: string;
  readonly workspaceId?: string;
  /** Epoch ms after which the caller has stopped waiting. */
  readonly deadline: number;
}

/** Answers a request with the reply envelope as JSON text, or nothing when the caller is already gone. */
export type HubResponder = (request: HubRequest) => Promise<string | undefined>;

/** Takes a signal's payload as JSON text. */
export type HubListener = (body: string) => void;

/**
 * The process's switchboard: one per process, shared by every service's `InProcessMessageBus`.
 * Servers of one subject form a queue group served in turn (round robin), like a NATS queue
 * subscription; every listener of a signal gets every signal.
 */
export class InProcessHub {
  // arrays are replaced, never changed in place: a request in flight keeps the list it picked from
  private readonly responders = new Map<string, readonly HubResponder[]>();
  private readonly turns = new Map<string, number>();
  private readonly listeners = new Map<string, readonly HubListener[]>();

  /** Adds a server of `subject`; the returned function removes it again. */
  addResponder(subject: string, responder: HubResponder): () => void {
    return this.add(this.responders, subject, responder);
  }

  /** The server whose turn it is to answer `subject`, or undefined when nobody serves it. */
  responderFor(subject: string): HubResponder | undefined {
    const group = this.responders.get(subject);
    if (!group?.length) return undefined;
    const turn = this.turns.get(subject) ?? 0;
    this.turns.set(subject, (turn + 1) % group.length);
    return group[turn % group.length];
  }

  /** Adds a listener of `subject`; the returned function removes it again. */
  addListener(subject: string, listener: HubListener): () => void {
    return this.add(this.listeners, subject, listener);
  }

  /** Everyone listening to `subject` right now. */
  listenersOf(subject: string): readonly HubListener[] {
    return this.listeners.get(subject) ?? [];
  }

  private add<T>(registry: Map<string, readonly T[]>, subject: string, entry: T): () => void {
    registry.set(subject, [...(registry.get(subject) ?? []), entry]);
    return () => {
      const rest = (registry.get(subject) ?? []).filter((e) => e !== entry);
      if (rest.length) registry.set(subject, rest);
      else registry.delete(subject);
    };
  }
}
