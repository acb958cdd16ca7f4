// The one place where error values become XML (RFC 6120 §8.3, XEP-0060 §14.2 application conditions).
import xml, { type Element } from "@xmpp/xml";
import type { Condition, ServiceError } from "../core/errors.ts";
import { NS } from "./ns.ts";

// RFC 6120 §8.3.3: the error type that goes with each condition.
const TYPE: Record<Condition, string> = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  "item-not-found": "cancel",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "policy-violation": "modify",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "unexpected-request": "cancel",
};

// RFC 6120 §8.3.2: the defined condition first, then the optional <text/>, then the application condition. Clients
// that read the children by position (xmpp.js's XMPPError.fromElement) depend on this order.
export function errorElement(e: ServiceError): Element {
  const el = xml("error", { type: e.type ?? TYPE[e.condition] }, xml(e.condition, { xmlns: NS.stanzas }));
  if (e.text) el.append(xml("text", { xmlns: NS.stanzas, "xml:lang": "en" }, e.text));
  if (e.pubsub)
    el.append(xml(e.pubsub, e.feature ? { xmlns: NS.pubsubErrors, feature: e.feature } : { xmlns: NS.pubsubErrors }));
  return el;
}
