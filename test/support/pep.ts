// Helpers for tests that use users' own PEP nodes (XEP-0163) as any XMPP client does.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { capsVer } from "../../component/src/xmpp/caps.ts";
import { NS_EVENT, NS_GEOLOC, pubsub, type TestClient } from "./client.ts";

const DISCO_INFO = "http://jabber.org/protocol/disco#info";
const CAPS = "http://jabber.org/protocol/caps";

/** Publishes `payload` to the user's own PEP geoloc node (addressed to the account's bare JID, XEP-0163 §3). */
export function pepPublish(c: TestClient, payload: Element, id: string): Promise<Element> {
  return c.iq("set", pubsub(xml("publish", { node: NS_GEOLOC }, xml("item", { id }, payload))), c.bare);
}

/** Retracts items from the user's own PEP geoloc node, notifying subscribers (XEP-0060 §7.2.2.1). */
export function pepRetract(c: TestClient, id: string): Promise<Element> {
  return c.iq("set", pubsub(xml("retract", { node: NS_GEOLOC, notify: "true" }, xml("item", { id }))), c.bare);
}

/** Accepts every presence subscription request, as a client that trusts the requester does (RFC 6121 §3.1.3). */
export function autoApprove(c: TestClient): void {
  c.xmpp.on("stanza", (s: Element) => {
    if (s.is("presence") && s.attrs.type === "subscribe")
      void c.send(xml("presence", { to: s.attrs.from, type: "subscribed" }));
  });
}

/**
 * Makes `c` a client with XEP-0115 caps that include geoloc+notify: answers disco#info on its caps node and
 * sends presence with <c/>. Resolves once the presence is sent.
 */
export async function wantGeolocNotify(c: TestClient): Promise<void> {
  const node = "https://geo-presence.invalid/test-client";
  const info = (n?: string) =>
    xml(
      "query",
      n ? { xmlns: DISCO_INFO, node: n } : { xmlns: DISCO_INFO },
      xml("identity", { category: "client", type: "pc", name: "test" }),
      xml("feature", { var: DISCO_INFO }),
      xml("feature", { var: CAPS }),
      xml("feature", { var: NS_GEOLOC }),
      xml("feature", { var: `${NS_GEOLOC}+notify` }),
    );
  const ver = capsVer(info());
  (
    c.xmpp as unknown as {
      iqCallee: { get(ns: string, name: string, h: (ctx: { element: Element }) => Element): void };
    }
  ).iqCallee.get(DISCO_INFO, "query", (ctx) => info(ctx.element.attrs.node));
  await c.send(xml("presence", {}, xml("c", { xmlns: CAPS, hash: "sha-1", node, ver })));
}

/** A headline PEP geoloc event from `from` (a bare JID) carrying item `id`. */
export const isPepEvent = (from: string, id: string) => (s: Element) => {
  const items = s.getChild("event", NS_EVENT)?.getChild("items");
  return (
    s.is("message") &&
    s.attrs.from === from &&
    items?.attrs.node === NS_GEOLOC &&
    items.getChildren("item").some((i) => i.attrs.id === id)
  );
};

/** A round trip to the user's own server: everything the server sent this client before it has been received. */
export async function barrier(c: TestClient, domain: string): Promise<void> {
  await c.iq("get", xml("ping", { xmlns: "urn:xmpp:ping" }), domain);
}

/** A `presence` node notification saying `jid` is online (or offline). */
export const presenceIs = (jid: string, offline: boolean) => (s: Element) => {
  const items = s.getChild("event", NS_EVENT)?.getChild("items");
  // every item: several of one node share a message (XEP-0060 §7.1.2.1)
  const ps =
    items?.attrs.node === "presence"
      ? items
          .getChildren("item")
          .filter((i) => i.attrs.id === jid)
          .map((i) => i.getChild("presence"))
      : [];
  return ps.some((p) => !!p && (p.attrs.type === "unavailable") === offline);
};
/** The first item of an event notification. */
export const eventItem = (s: Element) => s.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!;
