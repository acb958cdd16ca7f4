// Publishers' presence as the service sees it (RFC 6121 presence stanzas) and what node `presence` tells.
import { maySee } from "./access.ts";
import { pendingRequests } from "./authorize.ts";
import type { Change } from "./changes.ts";
import type { Core } from "./context.ts";
import type { Notification } from "./model.ts";
import { PRESENCE } from "./nodes.ts";
import { splitResource, type PublisherPresence, type Show } from "./presence.ts";

/**
 * A presence stanza from a user (RFC 6121): directed presence or a presence subscription's broadcast.
 * Returns what viewers must be told; temporary subscriptions of a resource that went offline end (§12.5).
 */
export function presence(
  core: Core,
  from: string,
  available: boolean,
  show: Show | undefined,
  priority: number,
  now: number,
): { changes: Change[]; notifications: Notification[] } {
  const [who, resource = ""] = splitResource(from);
  // §8.6: requests that reached the owner while it was away are asked again in each session that comes online
  const ask = available && !core.state.resources.isAvailable(from) ? pendingRequests(core, who, from) : [];
  const { before, after, wentOffline } = core.state.resources.apply(who, resource, available, show, priority);
  // §12.5: a full JID that went offline ends its temporary subscriptions, also those this instance adopted from
  // another (several instances: its resource table never saw that JID come online)
  if (!available && resource) wentOffline.push(`${who}/${resource}`);
  const changes: Change[] = [];
  for (const full of new Set(wentOffline)) {
    for (const [node, subs] of core.state.subscriptions) {
      if (subs.get(full)?.temporary) changes.push({ kind: "removeSubscription", node, jid: full, temporary: true });
    }
  }
  const same = core.state.presence.has(who) && before.online === after.online && before.show === after.show;
  const p: PublisherPresence | undefined =
    core.state.nodes.has(who) && !same
      ? { jid: who, online: after.online, ...(after.show && { show: after.show }), since: now }
      : undefined;
  if (p) changes.push({ kind: "savePresence", presence: p });
  core.commit(changes);
  return { changes, notifications: p ? ask.concat(presenceNotifications(core, p)) : ask };
}

/** A publisher's presence as its available resources make it now, if any is available. */
export function currentPresence(core: Core, who: string, now: number): PublisherPresence | undefined {
  const full = core.state.resources.resourcesOf(who);
  if (!full.length) return undefined;
  const agg = core.state.resources.summary(who);
  return { jid: who, online: agg.online, ...(agg.show && { show: agg.show }), since: now };
}

/** Tells the `presence` subscribers who may see the publisher of its new presence. */
export function presenceNotifications(core: Core, p: PublisherPresence): Notification[] {
  const node = core.state.nodes.get(p.jid);
  const subs = core.state.subscriptions.get(PRESENCE);
  if (!node || !subs) return [];
  const out: Notification[] = [];
  for (const [jid, sub] of subs) {
    if (!maySee(core.settings, jid, node) || !core.areas.presenceReaches(sub, p.jid)) continue;
    out.push({ to: jid, event: { kind: "presence", presence: p } });
  }
  return out;
}

/** How many temporary subscriptions (§12.5) full JIDs the service sees available hold. */
export function heldTemporary(core: Core): number {
  let n = 0;
  for (const subs of core.state.subscriptions.values()) {
    for (const s of subs.values()) if (s.temporary && core.state.resources.isAvailable(s.jid)) n++;
  }
  return n;
}

/** Full JIDs holding a temporary subscription (§12.5) that no presence has shown available (after a restart). */
export function unconfirmedTemporary(core: Core): string[] {
  const out = new Set<string>();
  for (const subs of core.state.subscriptions.values()) {
    for (const s of subs.values()) if (s.temporary && !core.state.resources.isAvailable(s.jid)) out.add(s.jid);
  }
  return [...out];
}
