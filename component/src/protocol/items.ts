// <item/> elements as viewers receive them: `publisher` always set by the service (XEP-0060 §7.1.2.3).
import xml, { type Element } from "@xmpp/xml";
import type { Item } from "../core/model.ts";
import type { PublisherPresence } from "../core/presence.ts";
import { geolocElement } from "./geoloc.ts";
import { NS } from "./ns.ts";
import { presencePayload } from "./presence.ts";
import { stamp } from "./time.ts";

/** A location item; `delayed` adds XEP-0203 <delay/> with the time the service accepted it (replayed state). */
export function locationItem(item: Item, delayed = false): Element {
  const el = xml("item", { id: item.id, publisher: item.publisher }, geolocElement(item.geoloc));
  if (delayed) el.append(xml("delay", { xmlns: NS.delay, stamp: stamp(item.published) }));
  return el;
}

/** An item on node `presence`: id = publisher = the publisher's bare JID. */
export function presenceItem(p: PublisherPresence): Element {
  return xml("item", { id: p.jid, publisher: p.jid }, presencePayload(p));
}
