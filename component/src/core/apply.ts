// The one place memory takes a change the store also keeps: this instance's own changes (after the store committed
// them: durable first) and other instances' alike (core/replica.ts). Pure: no I/O, state in, state changed.
import type { Change } from "./changes.ts";
import type { PersonalNode } from "./model.ts";
import type { RemoteChange } from "./replica.ts";
import type { State } from "./state.ts";
import type { StoredState } from "./store.ts";

type Applicable = Change | RemoteChange;
type Handlers = { [K in Applicable["kind"]]: (state: State, change: Extract<Applicable, { kind: K }>) => void };

/** What each kind of change does to memory. */
const APPLY: Handlers = {
  createNode: (s, c) => {
    s.nodes.set(c.node, { name: c.node, config: c.config, affiliations: new Map(), items: [] });
  },
  saveConfig: (s, c) => withNode(s, c.node, (n) => (n.config = c.config)),
  setAffiliation: (s, c) =>
    withNode(s, c.node, (n) => {
      if (c.affiliation === "none") n.affiliations.delete(c.jid);
      else n.affiliations.set(c.jid, c.affiliation);
    }),
  putItem: (s, c) => {
    withNode(s, c.node, (n) => {
      n.items = n.items.filter((i) => i.id !== c.item.id); // a new array: snapshots share the old one
      n.items.push(c.item);
    });
    trim(s, c.node, c.maxItems);
  },
  deleteItems: (s, c) => withNode(s, c.node, (n) => (n.items = n.items.filter((i) => !c.ids.includes(i.id)))),
  trim: (s, c) => trim(s, c.node, c.maxItems),
  purge: (s, c) => {
    withNode(s, c.node, (n) => (n.items = []));
    s.reads.delete(c.node); // who looked goes with what they looked at
  },
  deleteNode: (s, c) => removeNode(s, c.node),
  addSubscription: (s, c) => void s.subscribersOf(c.subscription.node, true).set(c.subscription.jid, c.subscription),
  removeSubscription: (s, c) => removeSubscription(s, c.node, c.jid),
  addPending: (s, c) => s.setPending(c.request),
  removePending: (s, c) => removePending(s, c.node, c.jid),
  savePresence: (s, c) => void s.presence.set(c.presence.jid, c.presence),
  saveSession: () => {}, // the presence table follows presence stanzas; the store keeps sessions for other instances
  node: (s, c) => {
    if (!c.node) return removeNode(s, c.name);
    // share_until's state is this instance's (core/share-until.ts): carried over, then the shell checks again
    c.node.sharingEnded = s.nodes.get(c.name)?.sharingEnded;
    s.nodes.set(c.name, c.node);
  },
  subscription: (s, c) => {
    if (c.subscription) s.subscribersOf(c.node, true).set(c.jid, c.subscription);
    else removeSubscription(s, c.node, c.jid);
  },
  pending: (s, c) => (c.request ? s.setPending(c.request) : removePending(s, c.node, c.jid)),
  all: (s, c) => restoreAll(s, c.fresh),
};

export function apply(state: State, change: Applicable): void {
  (APPLY[change.kind] as (state: State, change: Applicable) => void)(state, change);
}

function withNode(state: State, name: string, f: (node: PersonalNode) => unknown): void {
  const node = state.nodes.get(name);
  if (node) f(node);
}

/** XEP-0060 §8.4: a deleted node goes with its subscriptions, pending requests, publisher's presence and read log. */
function removeNode(state: State, name: string): void {
  state.nodes.delete(name);
  state.subscriptions.delete(name);
  state.presence.delete(name);
  state.pending.delete(name);
  state.reads.delete(name);
}

function trim(state: State, name: string, maxItems: number): void {
  const node = state.nodes.get(name);
  if (node && node.items.length > maxItems) node.items = node.items.slice(node.items.length - maxItems);
}

function removeSubscription(state: State, node: string, jid: string): void {
  const m = state.subscriptions.get(node);
  if (!m?.delete(jid)) return;
  if (!m.size) state.subscriptions.delete(node);
}

function removePending(state: State, node: string, jid: string): void {
  const m = state.pending.get(node);
  if (!m?.delete(jid)) return;
  if (!m.size) state.pending.delete(node);
}

/**
 * Sets the named nodes (personal, or "locations"/"presence" for their subscriptions) back to their durable state
 * after an asynchronous store failed to commit changes memory already holds (core/group-commit.ts). A name
 * missing from `fresh.nodes` is a node that does not exist. Temporary subscriptions memory holds are kept.
 */
export function restore(state: State, names: readonly string[], fresh: StoredState): void {
  for (const name of names) {
    const node = fresh.nodes.find((n) => n.name === name);
    const temporary = [...(state.subscriptions.get(name)?.values() ?? [])].filter((s) => s.temporary);
    // share_until's state is memory's
    if (node) state.nodes.set(name, { ...node, sharingEnded: state.nodes.get(name)?.sharingEnded });
    else if (state.nodes.has(name)) removeNode(state, name);
    state.subscriptions.delete(name);
    const stored = fresh.subscriptions.filter((s) => s.node === name);
    for (const s of [...temporary, ...stored]) state.subscribersOf(name, true).set(s.jid, s);
  }
}

/**
 * What restore() would need to set `name` back to how it is now: a copy of the node (its items and subscriptions
 * are values, shared) and its persistent subscriptions.
 */
export function snapshot(state: State, name: string): StoredState {
  const n = state.nodes.get(name);
  return {
    nodes: n ? [{ ...n, config: { ...n.config }, affiliations: new Map(n.affiliations), items: [...n.items] }] : [],
    subscriptions: [...(state.subscriptions.get(name)?.values() ?? [])].filter((s) => !s.temporary),
  };
}

/** After a gap in which other instances' changes may have been missed: the store is the truth. */
function restoreAll(state: State, fresh: StoredState): void {
  const names = new Set([
    ...state.nodes.keys(),
    ...state.subscriptions.keys(),
    ...fresh.nodes.map((n) => n.name),
    ...fresh.subscriptions.map((s) => s.node),
  ]);
  restore(state, [...names], fresh);
  // pending requests: an instance may have answered or withdrawn one while this one was away
  state.pending.clear();
  for (const r of fresh.pending ?? []) state.setPending(r);
  // restore() keeps the temporary subscriptions memory held; here the store is the truth for other instances'
  // viewers (one may have gone offline while this instance was not listening): keep only this instance's own
  // (resources it sees online) besides the stored ones
  const stored = new Set(fresh.subscriptions.filter((s) => s.temporary).map((s) => `${s.node} ${s.jid}`));
  for (const [node, subs] of [...state.subscriptions]) {
    for (const s of [...subs.values()]) {
      if (s.temporary && !stored.has(`${node} ${s.jid}`) && !state.resources.isAvailable(s.jid)) subs.delete(s.jid);
    }
    if (!subs.size) state.subscriptions.delete(node);
  }
}
