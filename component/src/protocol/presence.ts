// The payload of an item on node `presence`: <presence xmlns='jabber:client'/> with a XEP-0203 <delay/>.
// Browser-safe.
import xml, { type Element } from "@xmpp/xml";
import { parseShow, type PublisherPresence } from "../core/presence.ts";
import { NS } from "./ns.ts";
import { stamp } from "./time.ts";

export function presencePayload(p: PublisherPresence): Element {
  const el = xml(
    "presence",
    p.online ? { xmlns: NS.client, from: p.jid } : { xmlns: NS.client, from: p.jid, type: "unavailable" },
  );
  if (p.show) el.c("show").t(p.show);
  el.c("delay", { xmlns: NS.delay, stamp: stamp(p.since) }); // XEP-0203: since when
  return el;
}

/** Reads a presence item payload (viewer side). */
export function readPresencePayload(el: Element): PublisherPresence | undefined {
  const jid = el.attrs.from;
  if (el.name !== "presence" || !jid) return undefined;
  const since = Date.parse(el.getChild("delay", NS.delay)?.attrs.stamp ?? "");
  return {
    jid,
    online: el.attrs.type !== "unavailable",
    show: parseShow(el.getChildText("show") ?? undefined),
    since: Number.isNaN(since) ? 0 : since,
  };
}
