// The node names with a meaning of their own (component/PROTOCOL.md), and a node as one viewer may know it. The one
// home every other file imports them from.
import type { PersonalNode } from "./model.ts";

/** the collection of every personal node the requester may see */
export const LOCATIONS = "locations";
/** the service's leaf with one presence item per publisher */
export const PRESENCE = "presence";
/** "my own node", as in a PEP publish */
export const OWN_NODE = "http://jabber.org/protocol/geoloc";

export type NodeView = { kind: "personal"; node: PersonalNode } | { kind: "locations" } | { kind: "presence" };
