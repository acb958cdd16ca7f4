// Errors are values named after the XMPP condition (RFC 6120 §8.3.3) plus the XEP-0060 application condition.
// They become XML in exactly one place: protocol/errors.ts.

export type Condition =
  | "bad-request"
  | "conflict"
  | "feature-not-implemented"
  | "forbidden"
  | "item-not-found"
  | "not-acceptable"
  | "not-allowed"
  | "policy-violation"
  | "resource-constraint"
  | "service-unavailable"
  | "unexpected-request";

/** XEP-0060 §14.2 pubsub#errors conditions used by the service. */
export type PubsubCondition =
  | "invalid-payload"
  | "payload-too-big"
  | "item-required"
  | "invalid-jid"
  | "not-subscribed"
  | "closed-node"
  | "precondition-not-met"
  | "unsupported"
  | "nodeid-required"
  | "max-items-exceeded"
  | "invalid-options"
  | "invalid-subid";

/** RFC 6120 §8.3.2 error types; each condition has a default (protocol/errors.ts), `type` overrides it. */
export type ErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

export interface ServiceError {
  condition: Condition;
  type?: ErrorType;
  pubsub?: PubsubCondition;
  /** with pubsub = "unsupported": the feature name (XEP-0060 §14.2) */
  feature?: string;
  /** a human-readable explanation, sent as <text/> */
  text?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ServiceError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (
  condition: Condition,
  pubsub?: PubsubCondition,
  text?: string,
): { ok: false; error: ServiceError } => ({
  ok: false,
  error: { condition, ...(pubsub && { pubsub }), ...(text && { text }) },
});
