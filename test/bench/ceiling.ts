// Prosody's own ceiling: how many stanzas a component can push through this Prosody to c2s viewers, with no pubsub
// logic anywhere. A raw component writes, as fast as the viewers receive them (at most `WINDOW` outstanding), the
// exact bytes the service sends for a location notification, then a one-element message of the same routing. The
// difference is Prosody's per-element parse and serialise cost; the first is the limit figure 3 runs into.
import { component } from "@xmpp/component";
import type { Notification } from "../../component/src/core/model.ts";
import { serialiseNotifications } from "../../component/src/protocol/events.ts";
import type { BenchClient } from "./clients.ts";
import { withCpu } from "./procs.ts";

const WINDOW = 2000;

export interface CeilingRound {
  perSec: number;
  prosodyCpu: number;
}
export type StanzaKind = "location notification" | "one-element message";

function stanza(kind: StanzaKind, from: string, to: string, i: number): string {
  if (kind === "one-element message")
    return `<message type='headline' from='${from}' to='${to}'><body>${i}</body></message>`;
  const n: Notification = {
    to,
    event: {
      kind: "item",
      node: "ceiling@localhost",
      item: {
        id: `c${i}`,
        publisher: "ceiling@localhost",
        published: 0,
        geoloc: { lat: "48.12345", lon: "2.12345", accuracy: "10", timestamp: "2026-11-27T05:00:00.000Z" },
      },
    },
  };
  return serialiseNotifications(from, [n]);
}

/** Connects as the component (no other may be connected), measures each kind `rounds` times, disconnects. */
export async function prosodyCeiling(
  p: { componentService: string; component: string; componentSecret: string; pid: number },
  viewers: BenchClient[],
  count: number,
  rounds: number,
): Promise<Map<StanzaKind, CeilingRound[]>> {
  const entity = component({ service: p.componentService, domain: p.component, password: p.componentSecret });
  entity.on("error", () => {});
  // as the service: stream decoding, Nagle off
  entity.on("connect", () =>
    (entity as unknown as { socket?: { setEncoding(e: string): { setNoDelay(on: boolean): void } } }).socket
      ?.setEncoding("utf8")
      .setNoDelay(true),
  );
  await entity.start();
  const write = (s: string) => (entity as unknown as { write(s: string): Promise<void> }).write(s);
  const one = (kind: StanzaKind, n: number) =>
    new Promise<void>((done) => {
      let sent = 0,
        got = 0;
      // refilled as the viewers receive: event-driven, so the bench does not spin on the core Prosody needs
      const pump = () => {
        const chunk: string[] = [];
        while (sent < n && sent - got < WINDOW)
          chunk.push(stanza(kind, p.component, viewers[sent % viewers.length].jid, sent++));
        if (chunk.length) void write(chunk.join(""));
      };
      for (const v of viewers)
        v.onStanza = (s) => {
          if (!s.is("message")) return;
          if (++got === n) done();
          else if (sent - got <= WINDOW / 2) pump();
        };
      pump();
    });
  const out = new Map<StanzaKind, CeilingRound[]>();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of ["location notification", "one-element message"] as const) {
        await one(kind, Math.round(count / 4)); // warm-up
        const t0 = performance.now();
        const { cpu } = await withCpu({ Prosody: p.pid }, () => one(kind, count));
        out.set(kind, [
          ...(out.get(kind) ?? []),
          { perSec: count / ((performance.now() - t0) / 1000), prosodyCpu: cpu.Prosody },
        ]);
      }
    }
  } finally {
    for (const v of viewers) v.onStanza = () => {};
    entity.reconnect.stop();
    await entity.stop().catch(() => {});
  }
  return out;
}
