// The shell's one timer for geo#share_until (core/share-until.ts): it sleeps until the earliest deadline of a node
// still sharing, then lets the core end what is due and sleeps again. The core never reads the clock.
import type { Item, Notification } from "../core/model.ts";
import type { GeoService } from "../core/service.ts";

/** setTimeout's largest delay (about 24.8 days); a later deadline is slept towards in steps */
const MAX_DELAY = 2 ** 31 - 1;

export interface Deadlines {
  /** ends what is due now and sets the timer for the next deadline (after a configuration change, at start) */
  check(): void;
  stop(): void;
}

export function deadlineTimer(
  core: GeoService,
  clock: () => number,
  notify: (n: readonly Notification[]) => void,
  stopped: (owner: string, item: Item) => void,
): Deadlines {
  let timer: NodeJS.Timeout | undefined;
  let due: number | undefined;
  const check = () => {
    const ended = core.endSharing(clock());
    if (ended.notifications.length) notify(ended.notifications);
    for (const s of ended.stopped) stopped(s.owner, s.item);
    const next = core.nextDeadline();
    if (next === due && timer) return; // already set for it
    if (timer) clearTimeout(timer);
    timer = undefined;
    due = next;
    if (next === undefined) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        due = undefined;
        check();
      },
      Math.min(MAX_DELAY, Math.max(0, next - clock())),
    );
    timer.unref(); // a pending deadline does not keep the process alive
  };
  return {
    check,
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
