// Every namespace the service speaks, declared once.
export const NS = {
  client: "jabber:client",
  component: "jabber:component:accept",
  pubsub: "http://jabber.org/protocol/pubsub",
  pubsubEvent: "http://jabber.org/protocol/pubsub#event",
  pubsubOwner: "http://jabber.org/protocol/pubsub#owner",
  pubsubErrors: "http://jabber.org/protocol/pubsub#errors",
  geoloc: "http://jabber.org/protocol/geoloc",
  discoInfo: "http://jabber.org/protocol/disco#info",
  discoItems: "http://jabber.org/protocol/disco#items",
  dataForms: "jabber:x:data",
  delay: "urn:xmpp:delay",
  stanzas: "urn:ietf:params:xml:ns:xmpp-stanzas",
  shim: "http://jabber.org/protocol/shim",
  ping: "urn:xmpp:ping",
  version: "jabber:iq:version",
  last: "jabber:iq:last",
  caps: "http://jabber.org/protocol/caps",
  privilege: "urn:xmpp:privilege:2",
  forward: "urn:xmpp:forward:0",
  commands: "http://jabber.org/protocol/commands",
} as const;

/** Node names with a meaning of their own (component/PROTOCOL.md). */
export const NODES = {
  locations: "locations",
  presence: "presence",
  /** "my own node", as in a PEP publish */
  own: NS.geoloc,
} as const;
