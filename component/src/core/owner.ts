// Owner and publisher operations on a personal node: XEP-0060 §7.2 retract, §8.2 configure, §8.4 delete,
// §8.5 purge, §8.8 subscriptions, §8.9 affiliations.
import { fail, ok, type Result } from "./errors.ts";
import { normaliseBare } from "./jid.ts";
import { may, maySee } from "./access.ts";
import { merged, type ConfigChange } from "./config.ts";
import { applyDeadline, type Ended } from "./share-until.ts";
import { type Affiliation, type Notification, type NodeConfig, type PersonalNode, type Subscription } from "./model.ts";
import type { Core, Outcome } from "./context.ts";
import { LOCATIONS, PRESENCE } from "./nodes.ts";

/** The personal node `from` owns, or the error a non-owner gets (the same whether or not it exists). */
export function owned(svc: Core, from: string, name: string): Result<PersonalNode> {
  const v = svc.view(from, name);
  if (!v) return fail("item-not-found");
  if (v.kind !== "personal") return fail("forbidden", undefined, `${name} belongs to the service`);
  if (!may(svc.settings, from, v.node, "own")) return fail("forbidden"); // XEP-0060 §8.4.3.1 (and the same case of §8.2, §8.5, §8.8, §8.9): not an owner -> forbidden
  return ok(v.node);
}

// §7.2 Delete an item from a node (owner, or the publisher of the item)
export function retract(svc: Core, from: string, name: string, ids: string[]): Outcome<{}> {
  const v = svc.view(from, name);
  if (!v) return fail("item-not-found");
  if (v.kind !== "personal" || !may(svc.settings, from, v.node, "retract")) return fail("forbidden"); // §7.2.3.1
  if (ids.length === 0) return fail("bad-request", "item-required"); // §7.2.3.3
  const node = v.node;
  const present = ids.filter((id) => node.items.some((i) => i.id === id));
  if (present.length !== ids.length) return fail("item-not-found"); // §7.2.3.5
  svc.state.store.deleteItems(node.name, present);
  node.items = node.items.filter((i) => !present.includes(i.id));
  return ok({ notifications: svc.notifyNode(node, { kind: "retract", node: node.name, ids: present }) });
}

// §8.5 Purge all node items
export function purge(svc: Core, from: string, name: string): Outcome<{}> {
  const r = owned(svc, from, name);
  if (!r.ok) return r;
  svc.state.store.purge(r.value.name);
  r.value.items = [];
  svc.state.reads.delete(r.value.name); // who looked goes with what they looked at
  return ok({ notifications: svc.notifyNode(r.value, { kind: "purge", node: r.value.name }) });
}

// §8.4 Delete a node: erased from storage; subscribers are told, the publisher leaves node `presence`
export function deleteNode(svc: Core, from: string, name: string): Outcome<{}> {
  const r = owned(svc, from, name);
  if (!r.ok) return r;
  const node = r.value;
  const notifications: Notification[] = [...svc.notifyNode(node, { kind: "delete", node: node.name })];
  for (const jid of svc.state.subscriptions.get(PRESENCE)?.keys() ?? []) {
    if (svc.state.presence.has(node.name) && maySee(svc.settings, jid, node)) {
      notifications.push({ to: jid, event: { kind: "presence-retract", jid: node.name } });
    }
  }
  svc.state.store.deleteNode(node.name);
  svc.state.nodes.delete(node.name);
  svc.state.subscriptions.delete(node.name);
  svc.state.presence.delete(node.name);
  svc.state.pending.delete(node.name);
  svc.state.reads.delete(node.name);
  return ok({ notifications });
}

export function getConfig(svc: Core, from: string, name: string): Result<NodeConfig> {
  const r = owned(svc, from, name);
  return r.ok ? ok({ ...r.value.config }) : r;
}

// §8.2.4 Form submission: every field must be supported and every value offered, or nothing changes
// (§8.2.5.2, protocol/node-config.ts); a cancelled form leaves the configuration as it is.
export function configure(svc: Core, from: string, name: string, form: ConfigChange | "cancel", now: number): Outcome<{ stopped: Ended["stopped"] }> {
  const r = owned(svc, from, name);
  if (!r.ok) return r;
  if (form === "cancel") return ok({ notifications: [], stopped: [] });
  const node = r.value;
  if (!form.ok) return form;
  const next: NodeConfig = { ...node.config, ...merged(form.value) };
  const before = aggregateSeers(svc, node);
  // The exact history is kept (each viewer sees it at its precision: precision.ts); fewer items are trimmed.
  svc.state.store.atomically(() => {
    svc.state.store.saveConfig(node.name, next);
    if (next.maxItems < node.items.length) svc.state.store.trim(node.name, next.maxItems);
  });
  if (next.maxItems < node.items.length) node.items = node.items.slice(node.items.length - next.maxItems);
  node.config = next;
  // share_until: a deadline already passed ends sharing now; one moved on or cleared resumes it (share-until.ts)
  const ended = applyDeadline(svc, node, now);
  return ok({ notifications: [...ended.notifications, ...dropUnseen(svc, node, before)], stopped: ended.stopped });
}

/** The `locations` and `presence` subscribers who may see `node` now (to tell those who lose sight of it). */
function aggregateSeers(svc: Core, node: PersonalNode): Set<string> {
  const out = new Set<string>();
  for (const name of [LOCATIONS, PRESENCE]) {
    for (const jid of svc.state.subscriptions.get(name)?.keys() ?? []) if (maySee(svc.settings, jid, node)) out.add(`${name}\n${jid}`);
  }
  return out;
}

/**
 * After a change of access (revoked from the whitelist, an approval withdrawn, outcast, a stricter model): the
 * subscriptions of those who may no longer see the node end at once and they are told (§8.8.4 state "none"); those
 * who saw it through `locations` or `presence` are told as if the publisher stopped sharing (XEP-0080 §4.1: an empty
 * <geoloc/>) and had left `presence`, so their maps drop it.
 */
function dropUnseen(svc: Core, node: PersonalNode, before: Set<string>): Notification[] {
  const out: Notification[] = [];
  for (const sub of [...(svc.state.subscriptions.get(node.name)?.values() ?? [])]) {
    if (maySee(svc.settings, sub.jid, node)) continue;
    svc.state.removeSubscription(node.name, sub.jid);
    out.push({ to: sub.jid, event: { kind: "subscription", node: node.name, jid: sub.jid, state: "none" } });
  }
  const latest = svc.state.latest(node);
  for (const key of before) {
    const [name, jid] = key.split("\n");
    if (maySee(svc.settings, jid, node)) continue;
    if (name === LOCATIONS && latest) out.push({ to: jid, event: { kind: "item", node: node.name, item: { ...latest, geoloc: {} } } });
    if (name === PRESENCE && svc.state.presence.has(node.name)) out.push({ to: jid, event: { kind: "presence-retract", jid: node.name } });
  }
  return out;
}

// §8.9.1 Retrieve affiliations
export function affiliations(svc: Core, from: string, name: string): Result<Array<{ jid: string; affiliation: Affiliation }>> {
  const r = owned(svc, from, name);
  if (!r.ok) return r;
  return ok([{ jid: r.value.name, affiliation: "owner" as Affiliation }, ...[...r.value.affiliations].map(([jid, affiliation]) => ({ jid, affiliation }))]);
}

const SETTABLE: readonly string[] = ["publisher", "member", "outcast", "none"];

// §8.9.2 Modify affiliations: all or nothing (§8.9.2.4)
export function setAffiliations(svc: Core, from: string, name: string, changes: Array<{ jid: string; affiliation: string }>): Outcome<{}> {
  const r = owned(svc, from, name);
  if (!r.ok) return r;
  const node = r.value;
  const clean: Array<{ jid: string; affiliation: string }> = [];
  for (const c of changes) {
    const jid = normaliseBare(c.jid);
    if (!jid) return fail("bad-request", "invalid-jid", `${c.jid} is not a bare JID`);
    if (jid === node.name || !SETTABLE.includes(c.affiliation)) return fail("not-acceptable", undefined, `cannot set ${c.jid} to ${c.affiliation}`);
    clean.push({ jid, affiliation: c.affiliation });
  }
  const before = aggregateSeers(svc, node);
  svc.state.store.atomically(() => { for (const { jid, affiliation } of clean) svc.state.store.setAffiliation(node.name, jid, affiliation); });
  for (const { jid, affiliation } of clean) {
    if (affiliation === "none") node.affiliations.delete(jid);
    else node.affiliations.set(jid, affiliation as "publisher" | "member" | "outcast");
  }
  return ok({ notifications: dropUnseen(svc, node, before) });
}

// §8.8.1 Retrieve subscriptions list (owner)
export function nodeSubscriptions(svc: Core, from: string, name: string): Result<Subscription[]> {
  const r = owned(svc, from, name);
  return r.ok ? ok([...(svc.state.subscriptions.get(r.value.name)?.values() ?? [])]) : r;
}

