// The shell of digests (core/digest.ts): released notifications pass through the digest router on their way to the
// outbox, and one timer, armed for the earliest due digest, sends what is due. Frequency 0 digests leave at the next
// turn (setImmediate), gathered from everything released in the turns before.
import { Digests } from "../core/digest.ts";
import type { Notification } from "../core/model.ts";

export interface Sink {
  push(n: readonly Notification[]): void;
}

export function digestDelivery(
  digests: Digests,
  outbox: Sink,
  clock: () => number,
): Sink & { poke(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let soon = false;
  const tick = () => {
    soon = false;
    timer = undefined;
    timerAt = Infinity;
    const out = digests.due(clock());
    if (out.length) outbox.push(out);
    arm();
  };
  const arm = () => {
    const next = digests.nextDue();
    if (next === undefined || next >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = next;
    timer = setTimeout(tick, Math.max(0, next - clock()));
    timer.unref();
  };
  return {
    push(batch) {
      const r = digests.route(batch);
      if (r.now.length) outbox.push(r.now);
      if (r.immediate) this.poke();
      arm();
    },
    /** subscription options changed: what they made due (a digest turned off, a shorter period) is sent next turn */
    poke() {
      if (soon) return;
      soon = true;
      setImmediate(tick);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
