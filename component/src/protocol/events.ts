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
      return xml(
        "event",
        { xmlns: NS.pubsubEvent },
        xml("items", { node: e.node }, ...e.ids.map((id) => xml("retract", { id }))),
      );
    case "purge":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("purge", { node: e.node }));
    case "delete":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("delete", { node: e.node }));
    case "presence":
      return xml("event", { xmlns: NS.pubsubEvent }, xml("items", { node: NODES.presence }, presenceItem(e.presence)));
    case "presence-retract":
      return xml(
        "event",
        { xmlns: NS.pubsubEvent },
        xml("items", { node: NODES.presence }, xml("retract", { id: e.jid })),
      );
    case "subscription": // §8.8.4 / §8.6.2: the subscriber is told its subscription's new state
      return xml(
        "pubsub",
        { xmlns: NS.pubsub },
        xml("subscription", { node: e.node, jid: e.jid, subscription: e.state }),
      );
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
    {
      var: "pubsub#allow",
      type: "boolean",
      label: "Allow this JID to see your location and presence?",
      value: "false",
    },
  ]);
  form.children.splice(
    0,
    0,
    xml("title", {}, "Location sharing request"),
    xml(
      "instructions",
      {},
      `${jid} asks to see your location and presence. Submit with pubsub#allow true to approve, false to deny.`,
    ),
  );
  return form;
}

/** XEP-0060 §7.1.2.1 allows several <item/> in one <items/>; a message grows up to this many UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** What may share one <items/>: items of one node, or retractions of one node; undefined: a message of its own. */
function groupKey(n: Notification): string | undefined {
  const e = n.event;
  // replayed state: the last item of a personal node leaves alone with the message's <delay/>; replayed items of
  // `locations` (an area subscription's newly visible publishers) share a message, each with its own <delay/>
  if (n.delayed) return e.kind === "item" && e.node === NODES.locations ? `d\n${e.node}` : undefined;
  switch (e.kind) {
    case "item":
      return `i\n${e.node}`;
    case "retract":
      return `r\n${e.node}`;
    case "presence":
      return `i\n${NODES.presence}`;
    case "presence-retract":
      return `r\n${NODES.presence}`;
    default:
      return undefined;
  }
}

const nodeOf = (e: Event): string =>
  e.kind === "presence" || e.kind === "presence-retract" ? NODES.presence : (e as { node: string }).node;

/** The <item/> or <retract/> children an event puts into <items/>. */
function fragment(e: Event, delayed: boolean): string {
  switch (e.kind) {
    case "item":
      return locationItem(e.item, delayed).toString();
    case "presence":
      return presenceItem(e.presence).toString();
    case "retract":
      return e.ids.map((id) => `<retract id="${esc(id)}"/>`).join("");
    case "presence-retract":
      return `<retract id="${esc(e.jid)}"/>`;
    default:
      return "";
  }
}

const utf8 = new TextEncoder();
const byteLength = (s: string) => (/^[\x00-\x7f]*$/.test(s) ? s.length : utf8.encode(s).length);

interface Group {
  to: string;
  node: string;
  parts: string[];
  bytes: number;
  whole?: string;
  headline: boolean;
}

/**
 * Serialises a batch of notifications, in order, into as few messages as XEP-0060 allows: consecutive notifications
 * for one recipient that share a node and a kind (items, or retractions) leave as one <message/> whose <items/>
 * holds them all in the order the core produced them (§7.1.2.1). Another node, another kind of event or a replayed
 * item starts that recipient's next message; messages of other recipients in between do not, as only the order
 * per recipient is promised. A message stays under MAX_MESSAGE_BYTES (a lone larger item still goes alone).
 * Events shared by several recipients are serialised once.
 */
export function serialiseBatch(from: string, batch: readonly Notification[]): { data: string; messages: number } {
  const fragments = new Map<Event, { xml: string; bytes: number }>();
  const replayed = new Map<Event, { xml: string; bytes: number }>();
  const wholes = new Map<Event, string>();
  const groups: Group[] = [];
  const open = new Map<string, { key: string; group: Group }>();
  for (const n of batch) {
    const key = groupKey(n);
    if (key === undefined) {
      open.delete(n.to);
      let body = wholes.get(n.event);
      if (body === undefined) wholes.set(n.event, (body = eventElement(n.event).toString()));
      // XEP-0203 on replayed state; the item's acceptance time
      const delay =
        n.delayed && n.event.kind === "item"
          ? `<delay xmlns='${NS.delay}' stamp='${stamp(n.event.item.published)}'/>`
          : "";
      // the request to the owner is a normal message: unlike a headline, the server keeps it if the owner is offline
      groups.push({
        to: n.to,
        node: "",
        parts: [],
        bytes: 0,
        whole: body + delay,
        headline: n.event.kind !== "authorization-request",
      });
      continue;
    }
    const cache = n.delayed ? replayed : fragments;
    let f = cache.get(n.event);
    if (f === undefined) {
      const x = fragment(n.event, n.delayed === true);
      cache.set(n.event, (f = { xml: x, bytes: byteLength(x) }));
    }
    const cur = open.get(n.to);
    if (cur && cur.key === key && cur.group.bytes + f.bytes <= MAX_MESSAGE_BYTES) {
      cur.group.parts.push(f.xml);
      cur.group.bytes += f.bytes;
      continue;
    }
    const node = nodeOf(n.event);
    // the message around the items counts too: the whole stanza stays under the limit
    const envelope = byteLength(
      `<message type='headline' from='${esc(from)}' to='${esc(n.to)}'>` +
        `<event xmlns="${NS.pubsubEvent}"><items node="${esc(node)}"></items></event></message>`,
    );
    const group: Group = { to: n.to, node, parts: [f.xml], bytes: envelope + f.bytes, headline: true };
    groups.push(group);
    open.set(n.to, { key, group });
  }
  let data = "";
  for (const g of groups) {
    const type = g.headline ? " type='headline'" : "";
    const body =
      g.whole ?? `<event xmlns="${NS.pubsubEvent}"><items node="${esc(g.node)}">${g.parts.join("")}</items></event>`;
    data += `<message${type} from='${esc(from)}' to='${esc(g.to)}'>${body}</message>`;
  }
  return { data, messages: groups.length };
}

/** serialiseBatch's text alone. */
export function serialiseNotifications(from: string, batch: readonly Notification[]): string {
  return serialiseBatch(from, batch).data;
}
