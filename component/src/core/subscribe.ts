// XEP-0060 §6.1 subscribe, §6.2 unsubscribe, §5.6 the requester's own subscriptions.
import { inAllowedDomain, mayRequest } from "./access.ts";
import { requestAuthorization, withdraw } from "./authorize.ts";
import type { Change } from "./changes.ts";
import type { Core, Outcome } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import { bare, normaliseBare } from "./jid.ts";
import type { Notification, Subscription } from "./model.ts";
import { replayLast } from "./notify.ts";
import { applyOptionsForm, areaAllowed, DEFAULT_OPTIONS, optionsOf, storedOptions } from "./sub-options.ts";

// §6.1 Subscribe. A full JID that is available to the service gets a temporary subscription (§12.5).
// §6.3.7: `form` = the subscription options submitted in the same <pubsub/> (var -> value)
export function subscribe(
  core: Core,
  from: string,
  name: string,
  jid: string,
  form?: Record<string, string>,
): Outcome<{ subscription: Subscription; state: "subscribed" | "pending" }> {
  // §6.1.3.1: the subscribed JID must be the requester's (bare or full)
  if (bare(jid) !== bare(from)) return fail("bad-request", "invalid-jid");
  const v = core.view(from, name);
  if (!v) {
    // §6.1.6: an authorize node the requester may not see yet: the request waits for the owner
    const key = normaliseBare(name);
    const node = key === undefined ? undefined : core.state.nodes.get(key);
    if (node && mayRequest(core.settings, from, node)) {
      // a pending request keeps no options: refused rather than dropped (component/PROTOCOL.md "Errors")
      if (form)
        return fail(
          "not-acceptable",
          undefined,
          "subscription options are set once the owner approved (XEP-0060 §6.3.5)",
        );
      return requestAuthorization(core, node, jid);
    }
    return fail("item-not-found"); // §6.1.3.12, and for invisible nodes
  }
  const nodeName = v.kind === "personal" ? v.node.name : name;
  const existing = core.state.subscriptions.get(nodeName)?.get(jid);
  const options = form ? applyOptionsForm(existing ? optionsOf(existing) : DEFAULT_OPTIONS, form) : undefined;
  if (options && !options.ok) return options; // nothing changes
  if (options && !areaAllowed(nodeName, options.value))
    return fail("not-acceptable", undefined, "geo#bbox is an option of locations and presence");
  const temporary = existing?.temporary ?? core.state.isTemporary(jid);
  let subscription: Subscription = existing ?? { node: nodeName, jid, subid: core.newId(), temporary };
  if (options) {
    const { options: _old, ...rest } = subscription;
    const stored = storedOptions(options.value);
    subscription = stored ? { ...rest, options: stored } : rest;
  }
  const changes: Change[] = subscription !== existing ? [{ kind: "addSubscription", subscription }] : [];
  core.commit(changes);
  const notifications: Notification[] = [];
  // an area, new or changed: the publishers inside arrive, those outside it now leave
  const area = subscription.options?.area;
  if (area ? JSON.stringify(area) !== JSON.stringify(existing?.options?.area) : existing?.options?.area)
    notifications.push(...core.areas.rearea(subscription, area));
  // §6.1.7: send the last published item (pubsub#send_last_published_item = on_sub) of a personal node
  if (v.kind === "personal") notifications.push(...replayLast(core, v.node, jid));
  return ok({ subscription, state: "subscribed", changes, notifications });
}

// §6.2 Unsubscribe
export function unsubscribe(core: Core, from: string, name: string, jid: string): Outcome<{}> {
  const v = core.view(from, name);
  if (!v) return withdraw(core, from, name, jid) ?? fail("item-not-found"); // §6.2.3.4
  if (bare(jid) !== bare(from)) return fail("forbidden"); // §6.2.3.3
  const nodeName = v.kind === "personal" ? v.node.name : name;
  const sub = core.state.subscriptions.get(nodeName)?.get(jid);
  if (!sub) return fail("unexpected-request", "not-subscribed"); // §6.2.3.2
  const changes: Change[] = [{ kind: "removeSubscription", node: nodeName, jid, temporary: sub.temporary }];
  core.commit(changes);
  return ok({ changes, notifications: [] });
}

// §5.6 Retrieve subscriptions (the requester's own, on nodes it may still see)
export function subscriptionsOf(core: Core, from: string, name?: string): Result<Subscription[]> {
  if (!inAllowedDomain(core.settings, from)) return fail("forbidden");
  const who = bare(from);
  const out: Subscription[] = [];
  for (const [node, subs] of core.state.subscriptions) {
    if (name !== undefined && node !== name) continue;
    if (!core.view(from, node)) continue;
    for (const s of subs.values()) if (bare(s.jid) === who) out.push(s);
  }
  return ok(out);
}
