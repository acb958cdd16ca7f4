// Every notification leaves through this one FIFO, in the order the core produced it, so per-publisher order holds
// for every viewer (DESIGN.md §2 "Ordering"). Flushed once per event-loop turn: IQ replies (sent by the iq
// middleware a few microtasks after the handler returns) go out first, and a burst becomes one socket write.
import type { Notification } from "../core/model.ts";
import { serialiseNotifications } from "../protocol/events.ts";

export interface Writer {
  write(s: string): Promise<void>;
}

export class Outbox {
  private queue: Notification[] = [];
  private scheduled = false;
  /** notifications handed to the socket */
  sent = 0;

  constructor(private readonly writer: Writer, private readonly from: string, private readonly onError: (e: Error) => void) {}

  push(notifications: readonly Notification[]): void {
    if (!notifications.length) return;
    for (const n of notifications) this.queue.push(n);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (!batch.length) return;
    this.queue = [];
    this.sent += batch.length;
    this.writer.write(serialiseNotifications(this.from, batch)).catch(this.onError);
  }

  get pending(): number {
    return this.queue.length;
  }
}
