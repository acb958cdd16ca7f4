// The map's subscriptions with XEP-0060 §6.3 subscription options, once the service offers them (its disco#info
// lists `http://jabber.org/protocol/pubsub#subscription-options`): a digest (pubsub#digest, pubsub#digest_frequency
// in ms) and, on `locations`, the view as the area (geo#bbox = "south,west,north,east", degrees). Pure: values in,
// stanza elements out.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { NS } from "../../../component/src/protocol/ns.ts";

export const FEATURE_SUBSCRIPTION_OPTIONS = "http://jabber.org/protocol/pubsub#subscription-options";
export const FORM_SUBSCRIBE_OPTIONS = "http://jabber.org/protocol/pubsub#subscribe_options";

export interface SubscribeOptions {
  digestMs?: number;
  /** geo#bbox, from `bbox()` */
  bbox?: string;
}

export interface Bounds {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** "south,west,north,east" clamped to the world, 4 decimals (about 10 m); a view wider than the world is the world. */
export function bbox(b: Bounds): string {
  const r = (v: number) => String(+v.toFixed(4));
  const s = Math.max(-90, b.south),
    n = Math.min(90, b.north);
  let w = b.west,
    e = b.east;
  if (e - w >= 360) {
    w = -180;
    e = 180;
  } else {
    w = Math.max(-180, w);
    e = Math.min(180, e);
  }
  return [r(s), r(w), r(n), r(e)].join(",");
}

/** The XEP-0004 submit form of §6.3 (FORM_TYPE first). */
export function optionsForm(o: SubscribeOptions): Element {
  const field = (v: string, value: string) => xml("field", { var: v }, xml("value", {}, value));
  const fields = [xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, FORM_SUBSCRIBE_OPTIONS))];
  if (o.digestMs !== undefined)
    fields.push(field("pubsub#digest", "1"), field("pubsub#digest_frequency", String(Math.round(o.digestMs))));
  if (o.bbox !== undefined) fields.push(field("geo#bbox", o.bbox));
  return xml("x", { xmlns: "jabber:x:data", type: "submit" }, ...fields);
}

/**
 * §6.1.1, or §6.3.7 "subscribe and configure" when there are options: the <options/> follows the <subscribe/> and has
 * no node or jid of its own (§6.3.7 example; the service refuses one that has them with bad-request).
 */
export function subscribeRequest(node: string, jid: string, options?: SubscribeOptions): Element {
  const children = [xml("subscribe", { node, jid })];
  if (options) children.push(xml("options", {}, optionsForm(options)));
  return xml("pubsub", { xmlns: NS.pubsub }, ...children);
}

/** §6.3.5: change the options of an existing subscription (the subid when the service gave one). */
export function optionsSet(node: string, jid: string, subid: string | undefined, options: SubscribeOptions): Element {
  return xml(
    "pubsub",
    { xmlns: NS.pubsub },
    xml("options", subid ? { node, jid, subid } : { node, jid }, optionsForm(options)),
  );
}

/** The subid of a subscribe result (§6.1.2), if any. */
export function subidOf(result: Element | undefined): string | undefined {
  return result?.getChild("subscription")?.attrs.subid as string | undefined;
}
