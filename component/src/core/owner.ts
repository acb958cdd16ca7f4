// Owner and publisher operations on a personal node: XEP-0060 §7.2 retract, §8.2 configure, §8.4 delete,
// §8.5 purge, §8.8 subscriptions, §8.9 affiliations.
import { fail, ok, type Result } from "./errors.ts";
import { normaliseBare } from "./jid.ts";
import { may, maySee } from "./access.ts";
import type { Change } from "./changes.ts";
import { merged, type ConfigChange } from "./config.ts";
import { applyDeadline, type Ended } from "./share-until.ts";
import type { Affiliation, Notification, NodeConfig, PersonalNode, Subscription } from "./model.ts";
import type { Core, Outcome } from "./context.ts";
import { LOCATIONS, PRESENCE } from "./nodes.ts";

/** The personal node `from` owns, or the error a non-owner gets (the same whether or not it exists). */
export function owned(core: Core, from: string, name: string): Result<PersonalNode> {
  const v = core.view(from, name);
  if (!v) return fail("item-not-found");
  if (v.kind !== "personal") return fail("forbidden", undefined, `${name} belongs to the service`);
  // §8.4.3.1 (and the same case of §8.2, §8.5, §8.8, §8.9): not an owner -> forbidden
  if (!may(core.settings, from, v.node, "own")) return fail("forbidden");
  return ok(v.node);
}

// §7.2 Delete an item from a node (owner, or the publisher of the item)
export function retract(core: Core, from: string, name: string, ids: string[]): Outcome<{}> {
  const v = core.view(from, name);
  if (!v) return fail("item-not-found");
  if (v.kind !== "personal" || !may(core.settings, from, v.node, "retract")) return fail("forbidden"); // §7.2.3.1
  if (ids.length === 0) return fail("bad-request", "item-required"); // §7.2.3.3
  const node = v.node;
  const present = ids.filter((id) => node.items.some((i) => i.id === id));
  if (present.length !== ids.length) return fail("item-not-found"); // §7.2.3.5
  const changes: Change[] = [{ kind: "deleteItems", node: node.name, ids: present }];
  core.commit(changes);
  return ok({ changes, notifications: core.notifyNode(node, { kind: "retract", node: node.name, ids: present }) });
}

// §8.5 Purge all node items
export function purge(core: Core, from: string, name: string): Outcome<{}> {
  const r = owned(core, from, name);
  if (!r.ok) return r;
  const changes: Change[] = [{ kind: "purge", node: r.value.name }];
  core.commit(changes);
  return ok({ changes, notifications: core.notifyNode(r.value, { kind: "purge", node: r.value.name }) });
}

// §8.4 Delete a node: erased from storage; subscribers are told, the publisher leaves node `presence`
export function deleteNode(core: Core, from: string, name: string): Outcome<{}> {
  const r = owned(core, from, name);
  if (!r.ok) return r;
  const node = r.value;
  const notifications: Notification[] = [...core.notifyNode(node, { kind: "delete", node: node.name })];
  for (const jid of core.state.subscriptions.get(PRESENCE)?.keys() ?? []) {
    if (core.state.presence.has(node.name) && maySee(core.settings, jid, node)) {
      notifications.push({ to: jid, event: { kind: "presence-retract", jid: node.name } });
    }
  }
  const changes: Change[] = [{ kind: "deleteNode", node: node.name }];
  core.commit(changes);
  return ok({ changes, notifications });
}

export function getConfig(core: Core, from: string, name: string): Result<NodeConfig> {
  const r = owned(core, from, name);
  return r.ok ? ok({ ...r.value.config }) : r;
}

// §8.2.4 Form submission: every field must be supported and every value offered, or nothing changes
// (§8.2.5.2, protocol/node-config.ts); a cancelled form leaves the configuration as it is.
export function configure(
  core: Core,
  from: string,
  name: string,
  form: ConfigChange | "cancel",
  now: number,
): Outcome<{ stopped: Ended["stopped"] }> {
  const r = owned(core, from, name);
  if (!r.ok) return r;
  if (form === "cancel") return ok({ changes: [], notifications: [], stopped: [] });
  const node = r.value;
  if (!form.ok) return form;
  const next: NodeConfig = { ...node.config, ...merged(form.value) };
  const before = aggregateSeers(core, node);
  // The exact history is kept (each viewer sees it at its precision: precision.ts); fewer items are trimmed.
  const changes: Change[] = [{ kind: "saveConfig", node: node.name, config: next }];
  if (next.maxItems < node.items.length) changes.push({ kind: "trim", node: node.name, maxItems: next.maxItems });
  const unseen = unseenSubscriptions(core, { ...node, config: next });
  changes.push(...unseen.map(removal));
  core.commit(changes);
  // share_until: a deadline already passed ends sharing now; one moved on or cleared resumes it (share-until.ts)
  const ended = applyDeadline(core, node, now);
  const notifications = [...ended.notifications, ...dropUnseen(core, node, before, unseen)];
  return ok({ changes, notifications, stopped: ended.stopped });
}

/** The `locations` and `presence` subscribers who may see `node` now (to tell those who lose sight of it). */
function aggregateSeers(core: Core, node: PersonalNode): Set<string> {
  const out = new Set<string>();
  for (const name of [LOCATIONS, PRESENCE]) {
    for (const jid of core.state.subscriptions.get(name)?.keys() ?? [])
      if (maySee(core.settings, jid, node)) out.add(`${name}\n${jid}`);
  }
  return out;
}

/** The subscriptions to the node of those who may not see it as `after` has it (a change of access). */
function unseenSubscriptions(core: Core, after: PersonalNode): Subscription[] {
  const subs = core.state.subscriptions.get(after.name)?.values() ?? [];
  return [...subs].filter((s) => !maySee(core.settings, s.jid, after));
}

const removal = (s: Subscription): Change => ({
  kind: "removeSubscription",
  node: s.node,
  jid: s.jid,
  temporary: s.temporary,
});

/**
 * After a change of access (revoked from the whitelist, an approval withdrawn, outcast, a stricter model): the
 * subscriptions of those who may no longer see the node ended (`unseen`) and they are told (§8.8.4 state "none");
 * those who saw it through `locations` or `presence` are told as if the publisher stopped sharing (XEP-0080 §4.1:
 * an empty <geoloc/>) and had left `presence`, so their maps drop it.
 */
function dropUnseen(core: Core, node: PersonalNode, before: Set<string>, unseen: Subscription[]): Notification[] {
  const out: Notification[] = unseen.map((s) => ({
    to: s.jid,
    event: { kind: "subscription", node: node.name, jid: s.jid, state: "none" },
  }));
  const latest = core.state.latest(node);
  for (const key of before) {
    const [name, jid] = key.split("\n");
    if (maySee(core.settings, jid, node)) continue;
    if (name === LOCATIONS && latest)
      out.push({ to: jid, event: { kind: "item", node: node.name, item: { ...latest, geoloc: {} } } });
    if (name === PRESENCE && core.state.presence.has(node.name))
      out.push({ to: jid, event: { kind: "presence-retract", jid: node.name } });
  }
  return out;
}

// §8.9.1 Retrieve affiliations
export function affiliations(
  core: Core,
  from: string,
  name: string,
): Result<Array<{ jid: string; affiliation: Affiliation }>> {
  const r = owned(core, from, name);
  if (!r.ok) return r;
  return ok([
    { jid: r.value.name, affiliation: "owner" as Affiliation },
    ...[...r.value.affiliations].map(([jid, affiliation]) => ({ jid, affiliation })),
  ]);
}

const SETTABLE: readonly string[] = ["publisher", "member", "outcast", "none"];
type Settable = Exclude<Affiliation, "owner">;

// §8.9.2 Modify affiliations: all or nothing (§8.9.2.4)
export function setAffiliations(
  core: Core,
  from: string,
  name: string,
  wanted: Array<{ jid: string; affiliation: string }>,
): Outcome<{}> {
  const r = owned(core, from, name);
  if (!r.ok) return r;
  const node = r.value;
  const changes: Change[] = [];
  const affiliations = new Map(node.affiliations);
  for (const c of wanted) {
    const jid = normaliseBare(c.jid);
    if (!jid) return fail("bad-request", "invalid-jid", `${c.jid} is not a bare JID`);
    if (jid === node.name || !SETTABLE.includes(c.affiliation))
      return fail("not-acceptable", undefined, `cannot set ${c.jid} to ${c.affiliation}`);
    const affiliation = c.affiliation as Settable;
    changes.push({ kind: "setAffiliation", node: node.name, jid, affiliation });
    if (affiliation === "none") affiliations.delete(jid);
    else affiliations.set(jid, affiliation);
  }
  const before = aggregateSeers(core, node);
  const unseen = unseenSubscriptions(core, { ...node, affiliations });
  changes.push(...unseen.map(removal));
  core.commit(changes);
  return ok({ changes, notifications: dropUnseen(core, node, before, unseen) });
}

// §8.8.1 Retrieve subscriptions list (owner)
export function nodeSubscriptions(core: Core, from: string, name: string): Result<Subscription[]> {
  const r = owned(core, from, name);
  return r.ok ? ok([...(core.state.subscriptions.get(r.value.name)?.values() ?? [])]) : r;
}
