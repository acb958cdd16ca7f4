// The `authorize` access model (XEP-0060 §4.5): a subscription request waits for the owner (§6.1.6 pending), who
// gets a pubsub#subscribe_authorization form (§8.6.1) and answers it (§8.6.2). An approval is stored as a `member`
// affiliation of the subscriber's bare JID (access.ts), so it also opens `locations` and `presence` to that viewer:
// subscribing to a publisher's personal node is how a viewer asks to see that publisher anywhere.
import type { Change } from "./changes.ts";
import { fail, ok } from "./errors.ts";
import { bare, normaliseBare } from "./jid.ts";
import type { Notification, PendingRequest, PersonalNode, Subscription } from "./model.ts";
import { replayLast } from "./notify.ts";
import { owned } from "./owner.ts";
import type { Core, Outcome } from "./context.ts";
import { LOCATIONS, PRESENCE } from "./nodes.ts";

/** Where the owner is asked: each session that sent it presence, else its bare JID (the server may store it). */
function ownerAddresses(core: Core, node: PersonalNode): string[] {
  const online = core.state.resources.resourcesOf(node.name);
  return online.length ? online : [node.name];
}

function ask(to: string[], r: PendingRequest): Notification[] {
  return to.map((addr) => ({
    to: addr,
    event: { kind: "authorization-request", node: r.node, jid: r.jid, subid: r.subid },
  }));
}

// §6.1.6: the subscription is pending; the owner is asked once. Asking again answers pending with the same subid
// but does not message the owner again (a requester cannot flood the owner); the owner's sessions that come
// online later are asked (pendingRequests).
export function requestAuthorization(
  core: Core,
  node: PersonalNode,
  jid: string,
): Outcome<{ subscription: Subscription; state: "pending" }> {
  const existing = core.state.pending.get(node.name)?.get(jid);
  const r = existing ?? { node: node.name, jid, subid: core.newId() };
  const changes: Change[] = existing ? [] : [{ kind: "addPending", request: r }];
  core.commit(changes);
  const subscription = { node: node.name, jid, subid: r.subid, temporary: false };
  return ok({
    subscription,
    state: "pending",
    changes,
    notifications: existing ? [] : ask(ownerAddresses(core, node), r),
  });
}

/** The requests still waiting on a node (to re-send when the owner comes online). */
export function pendingRequests(core: Core, owner: string, to: string): Notification[] {
  return [...(core.state.pending.get(owner)?.values() ?? [])].flatMap((r) => ask([to], r));
}

/** A submitted pubsub#subscribe_authorization form, as read by protocol/. */
export interface AuthorizationAnswer {
  node: string;
  jid: string;
  subid?: string;
  allow: boolean;
}

// §8.6.2: the owner approves (the subscription becomes `subscribed`, the subscriber is told and gets the last item)
// or denies (the request is removed, the subscriber is told `none`).
export function answerAuthorization(core: Core, from: string, a: AuthorizationAnswer): Outcome<{}> {
  const r = owned(core, from, a.node);
  if (!r.ok) return r;
  const node = r.value;
  const request = core.state.pending.get(node.name)?.get(a.jid);
  if (!request || (a.subid !== undefined && a.subid !== request.subid))
    return fail("item-not-found", undefined, "no such pending subscription request");
  const changes: Change[] = [{ kind: "removePending", node: node.name, jid: a.jid }];
  if (!a.allow) {
    core.commit(changes);
    const denied: Notification = {
      to: a.jid,
      event: { kind: "subscription", node: node.name, jid: a.jid, state: "none" },
    };
    return ok({ changes, notifications: [denied] });
  }
  const who = bare(a.jid);
  if (!node.affiliations.has(who))
    changes.push({ kind: "setAffiliation", node: node.name, jid: who, affiliation: "member" });
  const temporary = core.state.isTemporary(a.jid);
  const subscription: Subscription = { node: node.name, jid: a.jid, subid: request.subid, temporary };
  changes.push({ kind: "addSubscription", subscription });
  core.commit(changes);
  const out: Notification[] = [
    { to: a.jid, event: { kind: "subscription", node: node.name, jid: a.jid, state: "subscribed" } },
  ];
  out.push(...replayLast(core, node, a.jid));
  // The viewer's subscriptions to the aggregate nodes now include this publisher: hand them its current state.
  for (const jid of core.state.subscriptions.get(LOCATIONS)?.keys() ?? []) {
    if (bare(jid) === who && jid !== a.jid) out.push(...replayLast(core, node, jid));
  }
  const presence = core.state.presence.get(node.name);
  for (const jid of core.state.subscriptions.get(PRESENCE)?.keys() ?? []) {
    if (presence && bare(jid) === who) out.push({ to: jid, event: { kind: "presence", presence } });
  }
  return ok({ changes, notifications: out });
}

// §6.2: a requester may withdraw its own pending request (the same answer as unsubscribing otherwise).
export function withdraw(core: Core, from: string, name: string, jid: string): Outcome<{}> | undefined {
  const key = normaliseBare(name);
  const pending = key === undefined ? undefined : core.state.pending.get(key);
  if (!pending?.has(jid) || bare(jid) !== bare(from)) return undefined;
  const changes: Change[] = [{ kind: "removePending", node: key!, jid }];
  core.commit(changes);
  return ok({ changes, notifications: [] });
}
