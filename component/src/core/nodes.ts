// The service's node names (DESIGN.md §2).
export const LOCATIONS = "locations";
export const PRESENCE = "presence";
export const OWN_NODE = "http://jabber.org/protocol/geoloc";
