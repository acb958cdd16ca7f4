// XEP-0060 §6.3 subscription options of an existing subscription: retrieve (§6.3.2) and submit (§6.3.5).
import { bare } from "./jid.ts";
import { fail, ok, type Result } from "./errors.ts";
import type { Notification, Subscription, SubscriptionOptions } from "./model.ts";
import type { Change } from "./changes.ts";
import type { Core, Outcome } from "./context.ts";
import { applyOptionsForm, areaAllowed, optionsOf, storedOptions } from "./sub-options.ts";

/** The subscription the request is about, or the §6.3.4 error. */
function target(core: Core, from: string, name: string, jid: string, subid: string | undefined): Result<Subscription> {
  if (!jid) return fail("bad-request", "invalid-jid"); // §6.3.4.5
  const v = core.view(from, name);
  if (!v) return fail("item-not-found"); // §6.3.4.4 (and nodes the requester may not see)
  if (bare(jid) !== bare(from)) return fail("forbidden"); // §6.3.4.1
  const sub = core.state.subscriptions.get(v.kind === "personal" ? v.node.name : name)?.get(jid);
  if (!sub) return fail("unexpected-request", "not-subscribed"); // §6.3.4.2
  if (subid !== undefined && subid !== sub.subid) return fail("not-acceptable", "invalid-subid"); // §6.3.4.6
  return ok(sub);
}

// §6.3.2: the options form with the current values
export function getOptions(
  core: Core,
  from: string,
  name: string,
  jid: string,
  subid?: string,
): Result<{ subscription: Subscription; options: SubscriptionOptions }> {
  const t = target(core, from, name, jid, subid);
  return t.ok ? ok({ subscription: t.value, options: optionsOf(t.value) }) : t;
}

// §6.3.5: a submitted form; bad-request + invalid-options (or not-acceptable for a field not offered) changes nothing
export function setOptions(
  core: Core,
  from: string,
  name: string,
  jid: string,
  subid: string | undefined,
  form: Record<string, string>,
): Outcome<{ subscription: Subscription }> {
  const t = target(core, from, name, jid, subid);
  if (!t.ok) return t;
  const next = applyOptionsForm(optionsOf(t.value), form);
  if (!next.ok) return next;
  if (!areaAllowed(t.value.node, next.value))
    return fail("not-acceptable", undefined, "geo#bbox is an option of locations and presence");
  const { options: _old, ...rest } = t.value;
  const stored = storedOptions(next.value);
  const subscription: Subscription = stored ? { ...rest, options: stored } : rest;
  const changes: Change[] = [{ kind: "addSubscription", subscription }];
  core.commit(changes);
  // a changed area: the newly visible publishers' latest items, and a leave for each one no longer inside
  const before = t.value.options?.area,
    after = next.value.area;
  const changed = JSON.stringify(before) !== JSON.stringify(after);
  return ok({ subscription, changes, notifications: changed ? core.areas.rearea(subscription, after) : [] });
}
