// Notifications (XEP-0060 §7.1.2) as raw XML strings: the <event/> body is serialised once per event and wrapped
// once per recipient, which is what keeps fan-out cheap.
import xml, { escapeXML as esc, type Element } from "@xmpp/xml";
import type { Event, Notification } from "../core/model.ts";
import { locationItem, presenceItem } from "./items.ts";
import { NS, NODES } from "./ns.ts";
import { buildForm } from "./forms.ts";
import { stamp } from "./time.ts";

export function eventElement(e: Event): Element {
  switch (e.kind) {
    case "item":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("items", { node: e.node }, locationItem(e.item)));
    case "retract":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("items", { node: e.node }, ...e.ids.map((id) => xml("retract", { id }))));
    case "purge":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("purge", { node: e.node }));
    case "delete":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("delete", { node: e.node }));
    case "presence":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("items", { node: NODES.presence }, presenceItem(e.presence)));
    case "presence-retract":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("items", { node: NODES.presence }, xml("retract", { id: e.jid })));
    case "subscription": // §8.8.4 / §8.6.2: the subscriber is told its subscription's new state
      return xml("pubsub", { xmlns: NS.pubsub }, xml("subscription", { node: e.node, jid: e.jid, subscription: e.state }));
    case "authorization-request":
      return authorizationForm(e.node, e.jid, e.subid);
  }
}

export const SUBSCRIBE_AUTHORIZATION = `${NS.pubsub}#subscribe_authorization`;

/** XEP-0060 §8.6.1 Example 179: the form asking the owner to approve a subscription. */
export function authorizationForm(node: string, jid: string, subid: string): Element {
  const form = buildForm("form", SUBSCRIBE_AUTHORIZATION, [
    { var: "pubsub#subid", type: "hidden", value: subid },
    { var: "pubsub#node", type: "text-single", label: "Node ID", value: node },
    { var: "pubsub#subscriber_jid", type: "jid-single", label: "Subscriber Address", value: jid },
    { var: "pubsub#allow", type: "boolean", label: "Allow this JID to see your location and presence?", value: "false" },
  ]);
  form.children.splice(0, 0, xml("title", {}, "Location sharing request"), xml("instructions", {}, `${jid} asks to see your location and presence. Submit with pubsub#allow true to approve, false to deny.`));
  return form;
}

/** Serialises a batch of notifications; events shared by several recipients are serialised once. */
export function serialiseNotifications(from: string, batch: Notification[]): string {
  const bodies = new Map<Event, string>();
  let out = "";
  for (const n of batch) {
    let body = bodies.get(n.event);
    if (body === undefined) bodies.set(n.event, (body = eventElement(n.event).toString()));
    // XEP-0203 on replayed state; the item's acceptance time
    const delay = n.delayed && n.event.kind === "item" ? `<delay xmlns='${NS.delay}' stamp='${stamp(n.event.item.published)}'/>` : "";
    // the request to the owner is a normal message: unlike a headline, the server keeps it if the owner is offline
    const type = n.event.kind === "authorization-request" ? "" : " type='headline'";
    out += `<message${type} from='${esc(from)}' to='${esc(n.to)}'>${body}${delay}</message>`;
  }
  return out;
}
