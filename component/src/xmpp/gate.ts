// Group commit (core/group-commit.ts): notifications are released to the outbox only once the writes recorded
// before them are durable, in the order they were produced (one release chain), so viewers never see an event
// that a failed commit then undoes, and per-publisher order holds (component/PROTOCOL.md "Ordering").
import type { GroupCommit } from "../core/group-commit.ts";
import type { Notification } from "../core/model.ts";
import type { GeoService } from "../core/service.ts";
import type { Sink } from "./digest-timer.ts";

export function gatedNotify(
  durable: GroupCommit,
  outbox: Sink,
  core: GeoService,
): (n: readonly Notification[]) => void {
  let released: Promise<void> = Promise.resolve();
  return (n) => {
    if (!n.length) return;
    const committed = durable.durable();
    released = released.then(() =>
      committed.then(
        () => outbox.push(n),
        // The batch failed and memory was set back: its item, retract, purge, delete and subscription events did not
        // happen. Presence changes are not stored: they still happened, for publishers whose node still exists.
        () =>
          outbox.push(n.filter((x) => x.event.kind === "presence" && core.node(x.event.presence.jid) !== undefined)),
      ),
    );
  };
}
