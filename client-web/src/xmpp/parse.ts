// Stanzas from the service -> model events. Pure: no connection, no clock.
// Reuses the component's browser-safe readers (readGeoloc, readPresencePayload), so both sides agree on the payload.
import type { Element } from "@xmpp/xml";
import { readGeoloc } from "../../../component/src/protocol/geoloc.ts";
import { NODES, NS } from "../../../component/src/protocol/ns.ts";
import { readPresencePayload } from "../../../component/src/protocol/presence.ts";
import type { ModelEvent } from "../model/publisher.ts";

export const NS_RSM = "http://jabber.org/protocol/rsm";

function delayStamp(el: Element | undefined): number | undefined {
  const s = el?.getChild("delay", NS.delay)?.attrs.stamp;
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * One <item/> of node `node`. The key is the `publisher` attribute the service stamps on every item
 * (XEP-0060 §7.1.2.3); the node name of a personal node is the same bare JID, so it is the fallback.
 */
export function itemEvent(
  node: string,
  item: Element,
  live: boolean,
  session: number,
  outerStamp?: number,
): ModelEvent | undefined {
  const stamp = delayStamp(item) ?? outerStamp;
  if (node === NODES.presence) {
    const el = item.getChild("presence", NS.client);
    const presence = el && readPresencePayload(el);
    if (!presence) return undefined;
    const jid = item.attrs.publisher ?? item.attrs.id ?? presence.jid;
    return { kind: "presence", presence: { ...presence, jid }, live, session };
  }
  const geoloc = item.getChild("geoloc", NS.geoloc);
  const jid = item.attrs.publisher ?? (node === NODES.locations ? undefined : node);
  if (!geoloc || !jid) return undefined;
  return {
    kind: "location",
    jid,
    itemId: item.attrs.id ?? "",
    geoloc: readGeoloc(geoloc),
    live: live && stamp === undefined,
    session,
    stamp,
  };
}

/** The events in a pubsub notification (<message><event/></message>); [] for any other stanza. */
export function parseNotification(msg: Element, session: number): ModelEvent[] {
  if (!msg.is("message")) return [];
  const event = msg.getChild("event", NS.pubsubEvent);
  if (!event) return [];
  // A replayed notification (e.g. the last item sent on subscribe) carries <delay/> (XEP-0060 §6.1.7, XEP-0203).
  const outer = delayStamp(msg);
  const live = outer === undefined;
  const out: ModelEvent[] = [];
  for (const child of event.getChildElements()) {
    const node = child.attrs.node as string | undefined;
    if (!node) continue;
    if (child.name === "items") {
      for (const el of child.getChildElements()) {
        if (el.name === "item") {
          const ev = itemEvent(node, el, live, session, outer);
          if (ev) out.push(ev);
        } else if (el.name === "retract" && el.attrs.id) {
          if (node === NODES.presence) out.push({ kind: "presence-retracted", jid: el.attrs.id, session });
          else if (node !== NODES.locations) out.push({ kind: "retract", jid: node, itemId: el.attrs.id, session });
        }
      }
    } else if (child.name === "delete" && node !== NODES.locations && node !== NODES.presence) {
      out.push({ kind: "deleted", jid: node, session }); // XEP-0060 §8.4: the personal node is gone
    } else if (child.name === "purge" && node !== NODES.locations && node !== NODES.presence) {
      // XEP-0060 §8.5: every item went, so did the position.
      out.push({ kind: "location", jid: node, itemId: "", geoloc: {}, live: true, session });
    }
  }
  return out;
}

export interface ItemsPage {
  node: string;
  events: ModelEvent[];
  /** bare JIDs of the publishers on this page (locations: the listed ones) */
  publishers: string[];
  /** XEP-0059: the id to ask `after` for the next page, when the service paged the result */
  next?: string;
}

/** An items result (<iq type='result'><pubsub><items node/></pubsub></iq>) as snapshot events. */
export function parseItemsResult(iqOrPubsub: Element, session: number): ItemsPage {
  const pubsub = iqOrPubsub.is("pubsub", NS.pubsub) ? iqOrPubsub : iqOrPubsub.getChild("pubsub", NS.pubsub);
  const items = pubsub?.getChild("items");
  const node = (items?.attrs.node as string | undefined) ?? "";
  const events: ModelEvent[] = [];
  const publishers: string[] = [];
  for (const item of items?.getChildren("item") ?? []) {
    const ev = itemEvent(node, item, false, session);
    if (!ev) continue;
    events.push(ev);
    publishers.push(ev.kind === "presence" ? ev.presence.jid : (ev as { jid: string }).jid);
  }
  const set = pubsub?.getChild("set", NS_RSM);
  const last = set?.getChildText("last") ?? undefined;
  const count = Number(set?.getChildText("count") ?? NaN);
  const first = Number(set?.getChild("first")?.attrs.index ?? 0);
  const more = last !== undefined && events.length > 0 && (Number.isNaN(count) || first + events.length < count);
  return { node, events, publishers, next: more ? last : undefined };
}
