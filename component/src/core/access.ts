// Who may do what: one check, `may(policy, actor, node, action)`, over one table of what each affiliation may do
// (as Prosody's util/pubsub.lua), used on every path (items, subscribe, notifications, disco, presence, owner
// operations). XEP-0060 §4.1 affiliations, §4.5 access models: open = anyone (here: anyone from an allowed domain);
// whitelist = owner + affiliated entities; authorize = owner + affiliated entities + those the owner approved (an
// approval is stored as a `member` affiliation of the viewer's bare JID, so it survives restarts and the owner
// revokes it like any membership).
import { bare, domainOf } from "./jid.ts";
import type { AccessModel, Affiliation, PersonalNode } from "./model.ts";

export interface AccessPolicy {
  /** user domains whose users may publish and view */
  domains: ReadonlySet<string>;
}

/**
 * see: the node's items, its publisher's presence, that it exists; request: ask the owner for access (§6.1.6);
 * publish, retract: §7.1 / §7.2; own: the owner's operations (§8).
 */
export type Action = "see" | "request" | "publish" | "retract" | "own";

// XEP-0060 §4.1 table 4, for the affiliations a personal node has
const BY_AFFILIATION: Record<Affiliation, readonly Action[]> = {
  owner: ["see", "publish", "retract", "own"],
  publisher: ["see", "publish", "retract"],
  member: ["see"],
  none: [], // what the access model grants, below
  outcast: [], // §4.1: outcasts are banned whatever the model
};

// XEP-0060 §4.5: what the access model grants an entity with no affiliation
const BY_MODEL: Record<AccessModel, readonly Action[]> = {
  open: ["see"],
  whitelist: [],
  authorize: ["request"],
};

export function inAllowedDomain(policy: AccessPolicy, jid: string): boolean {
  return jid.includes("@") && policy.domains.has(domainOf(jid));
}

/** `actor`'s affiliation with `node` (the owner is the JID the node is named after). */
export function affiliationOf(actor: string, node: PersonalNode): Affiliation {
  const who = bare(actor);
  return who === node.name ? "owner" : (node.affiliations.get(who) ?? "none");
}

/** May `actor` (any form of JID) do `action` on `node`? Nobody outside the allowed domains may do anything. */
export function may(policy: AccessPolicy, actor: string, node: PersonalNode, action: Action): boolean {
  if (!inAllowedDomain(policy, actor)) return false;
  const a = affiliationOf(actor, node);
  return BY_AFFILIATION[a].includes(action) || (a === "none" && BY_MODEL[node.config.accessModel].includes(action));
}

/** May `viewer` see node `node` at all: its items, its presence, that it exists? */
export const maySee = (policy: AccessPolicy, viewer: string, node: PersonalNode): boolean =>
  may(policy, viewer, node, "see");

/** May `viewer` ask the owner for access (XEP-0060 §6.1.6: subscribe to an authorize node -> pending)? */
export const mayRequest = (policy: AccessPolicy, viewer: string, node: PersonalNode): boolean =>
  may(policy, viewer, node, "request");

/** XEP-0060 §4.1: owner and publisher affiliations may publish. */
export const mayPublish = (policy: AccessPolicy, publisher: string, node: PersonalNode): boolean =>
  may(policy, publisher, node, "publish");
