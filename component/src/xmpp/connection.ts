// The connection to the server: what the service does on connect, on losing it and once online again.
import type { Component } from "@xmpp/component";
import xml from "@xmpp/xml";
import type { Settings } from "../core/state.ts";
import { coalesceWrites } from "./coalesce.ts";
import { confirmSessions } from "./confirm.ts";
import type { Deadlines } from "./deadline.ts";
import type { Mirror } from "./mirror.ts";
import { probeAll, type PresenceContext } from "./presence.ts";

export interface ConnectionOptions {
  entity: Component;
  presence: PresenceContext;
  mirror: Mirror;
  deadlines: Deadlines;
  settings: Settings;
  log(line: string): void;
  /** at the first connection, ask the sessions of stored temporary subscriptions whether they still exist */
  confirmAtStart: boolean;
}

/** Registers the connection's events; returns the farewell to send before a clean stop. */
export function followConnection({
  entity,
  presence,
  mirror,
  deadlines,
  settings,
  log,
  confirmAtStart,
}: ConnectionOptions): () => Promise<void> {
  const { core, now: clock } = presence;
  // what is written in one go (a commit's replies) leaves in one socket write (xmpp/coalesce.ts)
  coalesceWrites(entity);
  // @xmpp/connection decodes each TCP chunk on its own and garbles a multi-byte character split across two reads
  // (component/PLATFORM.md); a socket decoding UTF-8 as a stream hands it whole strings.
  // Nagle off: notifications are small and latency-bound; the outbox already batches per event-loop turn.
  entity.on("connect", () => {
    entity.socket?.setEncoding("utf8").setNoDelay(true);
    // a new connection: announce caps again (a restarted Prosody has forgotten them; mod_pep ignores a repeat), and
    // Prosody advertises privileges again, before "online"
    presence.announced.clear();
    mirror.reset();
  });
  // RFC 6121 §4.3: after a (re)connect, probe every publisher. Sessions known from before the reconnect stay as they
  // are while the probes and new presence confirm them; those that ended meanwhile go offline (./confirm.ts).
  let awaySince: number | undefined;
  let connection = 0;
  entity.on("disconnect", () => {
    awaySince ??= clock();
  });
  entity.on("online", () => {
    const n = ++connection;
    const away = awaySince;
    awaySince = undefined;
    deadlines.check(); // a share_until that passed while the service was away takes effect now
    // a reconnect: every session known before; the first connection: those holding temporary subscriptions from the
    // last run (stored, xmpp/confirm.ts), unless another instance holds theirs (several instances: their slots)
    const known =
      away !== undefined ? core.availableResources() : n === 1 && confirmAtStart ? core.unconfirmedTemporary() : [];
    presence.unconfirmed = new Set(known);
    probeAll(presence);
    void mirror.logMode();
    if (!presence.unconfirmed.size) return;
    void confirmSessions(
      {
        ctx: presence,
        server: [...settings.domains][0],
        now: clock,
        log,
        current: () => n === connection,
        request: (iq, timeoutMs) => entity.iqCaller.request(iq, timeoutMs),
      },
      away,
    );
  });

  // unavailable to every user the caps were announced to, so their PEP services stop sending events to a service
  // that is gone (mod_pep forgets a contact on its unavailable presence)
  return async () => {
    const users = [...presence.announced];
    presence.announced.clear();
    await Promise.all(
      users.map((to) =>
        entity.send(xml("presence", { to, from: presence.domain, type: "unavailable" })).catch(() => {}),
      ),
    );
  };
}
