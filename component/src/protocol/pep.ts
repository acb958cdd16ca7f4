// Users' own PEP nodes (XEP-0163) and the XEP-0356 privileges that let the service write to them: XML <-> values.
// Browser-safe.
import xml, { type Element } from "@xmpp/xml";
import type { Geoloc } from "../core/geoloc.ts";
import type { PublishRequest } from "../core/service.ts";
import { geolocElement, readGeoloc } from "./geoloc.ts";
import { NS } from "./ns.ts";
import { publishRequest } from "./requests.ts";

export interface PepEvent {
  /** the user whose PEP node sent it: the bare JID (XEP-0163 §4.3.1: notifications come from the account's bare JID) */
  publisher: string;
  /** published items, in document order, each read as a publish to the own node */
  items: Array<{ id: string; publish: PublishRequest; geoloc: Geoloc }>;
  /** XEP-0060 §7.2.2.1: retracted item ids */
  retracts: string[];
}

/**
 * A geoloc notification from a user's PEP service, or undefined for anything else. Only a bare-JID sender counts:
 * Prosody stamps a client's own stanzas with its full JID, so a bare JID `from` is the user's server speaking.
 */
export function readPepEvent(stanza: Element): PepEvent | undefined {
  const from = stanza.attrs.from as string | undefined;
  if (!stanza.is("message") || !from || from.includes("/") || !from.includes("@")) return undefined;
  const items = stanza.getChild("event", NS.pubsubEvent)?.getChild("items");
  if (!items || items.attrs.node !== NS.geoloc) return undefined;
  const out: PepEvent = { publisher: from, items: [], retracts: [] };
  for (const c of items.getChildElements()) {
    const id = c.attrs.id as string | undefined;
    if (!id) continue; // XEP-0060 §7.1.2.1: PEP items always carry an id
    if (c.name === "retract") out.retracts.push(id);
    else if (c.name === "item") {
      const g = c.getChild("geoloc", NS.geoloc);
      out.items.push({ id, publish: publishRequest(NS.geoloc, c), geoloc: g ? readGeoloc(g) : {} });
    }
  }
  return out;
}

export interface Privileges {
  /** the server host that granted them (XEP-0356 §4.2: advertised in a <message/> from the server) */
  host: string;
  /** XEP-0356 §5 IQ permission: may set items in the pubsub namespace on users' behalf */
  pubsubSet: boolean;
  /** XEP-0356 §7 presence permission: "managed_entity", "roster" or undefined */
  presence?: string;
  /** XEP-0356 §6 message permission: "outgoing" or undefined */
  message?: string;
}

/** The privileges advertised by a server host (XEP-0356 §4.2), or undefined when `stanza` is not that message. */
export function readPrivileges(stanza: Element): Privileges | undefined {
  const from = stanza.attrs.from as string | undefined;
  const p = stanza.is("message") ? stanza.getChild("privilege", NS.privilege) : undefined;
  if (!p || !from || from.includes("@") || from.includes("/")) return undefined;
  const out: Privileges = { host: from, pubsubSet: false };
  for (const perm of p.getChildren("perm")) {
    const access = perm.attrs.access;
    if (access === "iq") {
      const ns = perm.getChildren("namespace").find((n) => n.attrs.ns === NS.pubsub);
      out.pubsubSet = ns?.attrs.type === "set" || ns?.attrs.type === "both";
    } else if (access === "presence" && perm.attrs.type && perm.attrs.type !== "none") out.presence = perm.attrs.type;
    else if (access === "message" && perm.attrs.type && perm.attrs.type !== "none") out.message = perm.attrs.type;
  }
  return out;
}

/**
 * XEP-0356 §5: a publish to `owner`'s own PEP geoloc node (XEP-0163 §3), wrapped in <privileged_iq/> and addressed
 * to that user's bare JID; the server runs it as if the user had sent it, so `publisher` is the user.
 */
export function privilegedPublish(owner: string, id: string, itemId: string, g: Geoloc): Element {
  const inner = xml(
    "iq",
    { xmlns: NS.client, type: "set", to: owner, id: `${id}-w` },
    xml(
      "pubsub",
      { xmlns: NS.pubsub },
      xml("publish", { node: NS.geoloc }, xml("item", { id: itemId }, geolocElement(g))),
    ),
  );
  return xml("iq", { type: "set", to: owner, id }, xml("privileged_iq", { xmlns: NS.privilege }, inner));
}
