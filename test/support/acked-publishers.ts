// Publishers that keep publishing through a fault (./cluster-nodes-faults.ts): each sends a fix
// every PACE ms and sends it again when no answer came within RETRY ms (an IQ lost with an instance), recording
// when each fix was acknowledged; and what a viewer saw of them.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { NODES, NS } from "../../component/src/protocol/ns.ts";
import { geoloc, NS_EVENT, publishEl, type TestClient } from "./client.ts";

export interface AckedPublisher {
  c: TestClient;
  /** the fixes acknowledged (seq = the fix's text), in order */
  acked: Array<{ seq: number; at: number }>;
}

export interface PublishLoop {
  /** resolves once every publisher had a fix acknowledged after `t`; rejects after `ms`, naming those that did not */
  ackedAfter(t: number, ms: number): Promise<void>;
  /** stops the loops (each finishes the publish it is waiting for) */
  stop(): Promise<void>;
}

/** Starts every publisher's loop, staggered over one pace: a fault finds publishes in flight. */
export function publishLoop(
  pubs: AckedPublisher[],
  to: string,
  { retryMs, paceMs }: { retryMs: number; paceMs: number },
): PublishLoop {
  let running = true;
  let onAck = () => {};
  const loops = pubs.map(async (p, k) => {
    // staggered: the kill finds publishes in flight
    await new Promise((r) => setTimeout(r, (k * paceMs) / pubs.length));
    let iq = 0;
    for (let seq = 1; running; seq++) {
      for (;;) {
        const id = `k${++iq}`;
        const answer = p.c.waitFor((s) => s.is("iq") && s.attrs.id === id, `ack ${id}`, retryMs).catch(() => undefined);
        await p.c.send(
          xml(
            "iq",
            { type: "set", to, id },
            publishEl(geoloc({ lat: 52.5, lon: 13.4, text: seq }), undefined, `f${seq}`),
          ),
        );
        const r = await answer;
        if (r?.attrs.type === "result") {
          p.acked.push({ seq, at: Date.now() });
          onAck();
          break;
        }
        if (r) throw new Error(`${p.c.bare}: ${r.toString()}`);
        if (!running) return;
      }
      await new Promise((r) => setTimeout(r, paceMs)); // load shaping, not a wait for an outcome
    }
  });
  return {
    ackedAfter: (after, ms) => {
      const again = () => pubs.every((p) => p.acked.some((a) => a.at > after));
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                "not acknowledged after the kill: " +
                  pubs.filter((p) => !p.acked.some((a) => a.at > after)).map((p) => p.c.bare),
              ),
            ),
          ms,
        );
        onAck = () => {
          if (again()) {
            clearTimeout(t);
            resolve();
          }
        };
        onAck();
      });
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The seq (text) of every fix of `publisher` that `v` received in a notification, in order. */
export const seqsSeen = (v: TestClient, publisher: string) =>
  v.received
    .flatMap((m) => m.getChild("event", NS_EVENT)?.getChild("items")?.getChildren("item") ?? [])
    .filter((i) => i.attrs.publisher === publisher)
    .map((i) => Number(i.getChild("geoloc")?.getChildText("text")));

/**
 * The presence history of the publishers whose names start with `prefix`, as `watcher` receives it from `since()` on:
 * those seen offline, and those seen online again after that.
 */
export function presenceHistory(watcher: TestClient, prefix: string, since: () => number) {
  const offlineSeen = new Set<string>(),
    onlineAfter = new Set<string>();
  watcher.xmpp.on("stanza", (st: Element) => {
    const items = st.getChild("event", NS.pubsubEvent)?.getChild("items");
    if (items?.attrs.node !== NODES.presence || Date.now() < since()) return;
    for (const it of items.getChildren("item")) {
      const who = String(it.attrs.publisher);
      if (!who.startsWith(prefix)) continue;
      if (it.getChild("presence", NS.client)?.attrs.type === "unavailable") offlineSeen.add(who);
      else if (offlineSeen.has(who)) onlineAfter.add(who);
    }
  });
  return { offlineSeen, onlineAfter };
}
