// Every notification leaves through this one FIFO, in the order the core produced it, so per-publisher order holds
// for every viewer (component/PROTOCOL.md "Ordering"). Flushed once per event-loop turn: IQ replies (sent by the iq
// middleware a few microtasks after the handler returns) go out first, and a burst becomes one socket write.
// At the flush, consecutive notifications of one node to one viewer share a message (serialiseBatch): Prosody pays
// per stanza, and no timer waits for them, so a lone item leaves as fast as before.
//
// Bounded: @xmpp/connection ignores socket backpressure (component/PLATFORM.md), so when Prosody reads the component's
// stream slower than the service produces (a large fan-out on a busy server), Node would buffer without limit.
// The outbox keeps at most `maxInFlightBytes` handed to the socket and not yet flushed to the kernel; the rest
// waits here, and when more than `maxQueued` wait, a location that a newer one of the same publisher to the same
// viewer supersedes is dropped (the map only shows the newest; notifications are headlines, RFC 6121 §5.2.2,
// and the items stay queryable). Other events are never dropped; if locations alone cannot bring the queue under
// the cap, the oldest locations go first, down to three quarters of it (so the next pushes do not rescan).
import type { Notification } from "../core/model.ts";
import { serialiseBatch } from "../protocol/events.ts";

export interface Writer {
  write(s: string): Promise<void>;
}

export interface OutboxLimits {
  /** bytes handed to the socket but not yet flushed to the kernel before the outbox holds back */
  maxInFlightBytes: number;
  /** notifications waiting here before superseded locations are shed */
  maxQueued: number;
}

/** An overload episode: shedding started, or the queue emptied again afterwards (with how many were shed in it). */
export type OverloadEvent = { phase: "shedding"; queued: number } | { phase: "caught-up"; shed: number };

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = { maxInFlightBytes: 1 << 20, maxQueued: 20_000 };

export class Outbox {
  private queue: Notification[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** notifications handed to the socket */
  sent = 0;
  /** messages they left in (several items of one node to one viewer share one: protocol/events.ts) */
  messages = 0;
  /** superseded locations dropped while the outbox was full */
  shed = 0;
  /** the most that ever waited here */
  peakQueued = 0;
  /** shed in the current overload episode (from going over maxQueued until the queue is empty); undefined: none */
  private episodeShed: number | undefined;

  constructor(
    private readonly writer: Writer,
    private readonly from: string,
    private readonly onError: (e: Error) => void,
    private readonly limits: OutboxLimits = DEFAULT_OUTBOX_LIMITS,
    private readonly onOverload: (e: OverloadEvent) => void = () => {},
  ) {}

  push(notifications: readonly Notification[]): void {
    if (!notifications.length) return;
    for (const n of notifications) this.queue.push(n);
    if (this.queue.length > this.limits.maxQueued) this.shedSuperseded();
    this.peakQueued = Math.max(this.peakQueued, this.queue.length);
    this.schedule();
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    // held back until the socket has flushed what it holds: the write's callback flushes again
    if (!batch.length || this.inFlight >= this.limits.maxInFlightBytes) return;
    this.queue = [];
    this.sent += batch.length;
    if (this.episodeShed !== undefined) {
      this.onOverload({ phase: "caught-up", shed: this.episodeShed });
      this.episodeShed = undefined;
    }
    const { data, messages } = serialiseBatch(this.from, batch);
    this.messages += messages;
    this.inFlight += data.length;
    const done = () => {
      this.inFlight -= data.length;
      if (this.queue.length) this.schedule();
    };
    this.writer.write(data).then(done, (e: Error) => {
      done();
      this.onError(e);
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** characters handed to the socket and not yet flushed to the kernel */
  get inFlightChars(): number {
    return this.inFlight;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Keeps the newest location per (viewer, node, publisher); then, if still over the cap, drops the oldest locations.
   */
  private shedSuperseded(): void {
    const before = this.shed;
    if (this.episodeShed === undefined) {
      this.episodeShed = 0;
      this.onOverload({ phase: "shedding", queued: this.queue.length });
    }
    const newest = new Set<string>();
    const keep: Notification[] = [];
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const n = this.queue[i];
      if (n.event.kind === "item") {
        // per publisher: a digest's items all name node `locations`
        const key = `${n.to}\n${n.event.node}\n${n.event.item.publisher}`;
        if (newest.has(key)) {
          this.shed++;
          continue;
        }
        newest.add(key);
      }
      keep.push(n);
    }
    keep.reverse();
    let excess = keep.length > this.limits.maxQueued ? keep.length - Math.floor(this.limits.maxQueued * 0.75) : 0;
    this.queue =
      excess <= 0
        ? keep
        : keep.filter((n) => (excess > 0 && n.event.kind === "item" ? (excess--, this.shed++, false) : true));
    this.episodeShed += this.shed - before;
  }
}
