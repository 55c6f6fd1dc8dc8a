import { ErrorCode, NatsError, createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';

const muxes = new WeakMap<NatsConnection, RequestMux>();
// how often pending requests are checked for their deadline while any is waiting (ms): a timeout fires at most this late
const SWEEP_MS = 20;

interface Pending {
  deadline: number;
  resolve: (msg: Msg) => void;
  reject: (error: Error) => void;
}

/**
 * Request/reply of one connection over a single wildcard inbox subscription (`<prefix>.<nuid>.*`,
 * inside the service's own inbox prefix, so its NATS permissions are unchanged), a map of pending
 * replies and one sweep timer for all of them. The client's own request builds a cancellation
 * error (a stack trace) and arms a timer for every call (#19); this one builds an error only for
 * a call that fails, with the client's codes (`Timeout`, `NoResponders`).
 */
export class RequestMux {
  private readonly base: string;
  private readonly pending = new Map<string, Pending>();
  private sub: Subscription | undefined;
  private next = 0;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  private constructor(private readonly nc: NatsConnection) {
    const prefix = (nc as unknown as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
    this.base = `${createInbox(prefix)}.`;
    // a connection closed for good answers nothing more: its waiting calls fail now, not at their deadline
    void nc.closed().then(() => this.failAll(NatsError.errorForCode(ErrorCode.ConnectionClosed)));
  }

  static of(nc: NatsConnection): RequestMux {
    let mux = muxes.get(nc);
    if (!mux) {
      mux = new RequestMux(nc);
      muxes.set(nc, mux);
    }
    return mux;
  }

  request(subject: string, data: Uint8Array, headers: MsgHdrs | undefined, timeoutMs: number): Promise<Msg> {
    // the subscription precedes the first request on the same socket: the server has it before any reply
    this.sub ??= this.nc.subscribe(`${this.base}*`, { callback: (err, msg) => this.answered(err, msg) });
    const token = (this.next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      this.pending.set(token, { deadline: Date.now() + timeoutMs, resolve, reject });
      // unref: the socket keeps the process alive while a reply can still come
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
      try {
        this.nc.publish(subject, data, { reply: this.base + token, headers });
      } catch (error) {
        this.settle(token);
        reject(error as Error);
      }
    });
  }

  private answered(err: NatsError | null, msg: Msg): void {
    if (err) {
      // the inbox subscription itself failed (a permissions violation): every waiting call fails with it
      this.failAll(err);
      this.sub = undefined;
      return;
    }
    const call = this.settle(msg.subject.slice(this.base.length));
    if (!call) return; // timed out already
    // the server's "no responders" status: an empty message with code 503
    if (msg.data.length === 0 && msg.headers?.code === 503) call.reject(NatsError.errorForCode(ErrorCode.NoResponders));
    else call.resolve(msg);
  }

  private failAll(error: Error): void {
    for (const token of [...this.pending.keys()]) this.settle(token)?.reject(error);
  }

  private settle(token: string): Pending | undefined {
    const call = this.pending.get(token);
    if (!call) return undefined;
    this.pending.delete(token);
    return call;
  }

  private sweep(): void {
    if (this.pending.size === 0) {
      // stopped once idle (not per call: under load the map is seldom empty)
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      return;
    }
    const now = Date.now();
    for (const [token, call] of this.pending) if (call.deadline <= now) this.settle(token)?.reject(NatsError.errorForCode(ErrorCode.Timeout));
  }
}
