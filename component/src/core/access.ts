// Who may see what: one check, used on every path (items, subscribe, notifications, disco, presence).
// XEP-0060 §4.5: open = anyone (here: anyone from an allowed domain); whitelist = owner + affiliated entities;
// authorize = owner + affiliated entities + those the owner approved (an approval is stored as a `member`
// affiliation of the viewer's bare JID, so it survives restarts and the owner revokes it like any membership).
import { bare, domainOf } from "./jid.ts";
import type { PersonalNode } from "./model.ts";

export interface AccessPolicy {
  /** user domains whose users may publish and view */
  domains: ReadonlySet<string>;
}

export function inAllowedDomain(policy: AccessPolicy, jid: string): boolean {
  return jid.includes("@") && policy.domains.has(domainOf(jid));
}

/** May `viewer` (any form of JID) see node `node` at all: its items, its presence, that it exists? */
export function maySee(policy: AccessPolicy, viewer: string, node: PersonalNode): boolean {
  if (!inAllowedDomain(policy, viewer)) return false;
  const who = bare(viewer);
  if (who === node.name) return true; // the owner
  const affiliation = node.affiliations.get(who);
  if (affiliation === "outcast") return false; // XEP-0060 §4.1: outcasts are banned whatever the model
  if (affiliation === "member" || affiliation === "publisher") return true;
  return node.config.accessModel === "open";
}

/**
 * May `viewer` ask the owner for access (XEP-0060 §6.1.6: subscribe to an authorize node -> pending)?
 * Only to an authorize node it may not see yet, and never as an outcast.
 */
export function mayRequest(policy: AccessPolicy, viewer: string, node: PersonalNode): boolean {
  if (!inAllowedDomain(policy, viewer) || maySee(policy, viewer, node)) return false;
  return node.config.accessModel === "authorize" && node.affiliations.get(bare(viewer)) !== "outcast";
}

/** XEP-0060 §4.1: owner and publisher affiliations may publish. */
export function mayPublish(policy: AccessPolicy, publisher: string, node: PersonalNode): boolean {
  if (!inAllowedDomain(policy, publisher)) return false;
  const who = bare(publisher);
  return who === node.name || node.affiliations.get(who) === "publisher";
}
