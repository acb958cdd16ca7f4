// The one place memory takes a change the store also keeps: this instance's own changes (after the store committed
// them: durable first) and other instances' alike (core/replica.ts). Pure: no I/O, state in, state changed.
import type { Change } from "./changes.ts";
import type { RemoteChange } from "./replica.ts";
import type { State } from "./state.ts";
import type { StoredState } from "./store.ts";

export function apply(state: State, change: Change | RemoteChange): void {
  switch (change.kind) {
    case "createNode":
      state.nodes.set(change.node, { name: change.node, config: change.config, affiliations: new Map(), items: [] });
      return;
    case "saveConfig": {
      const node = state.nodes.get(change.node);
      if (node) node.config = change.config;
      return;
    }
    case "setAffiliation": {
      const node = state.nodes.get(change.node);
      if (change.affiliation === "none") node?.affiliations.delete(change.jid);
      else node?.affiliations.set(change.jid, change.affiliation);
      return;
    }
    case "putItem": {
      const node = state.nodes.get(change.node);
      if (!node) return;
      node.items = node.items.filter((i) => i.id !== change.item.id);
      node.items.push(change.item);
      trim(state, change.node, change.maxItems);
      return;
    }
    case "deleteItems": {
      const node = state.nodes.get(change.node);
      if (node) node.items = node.items.filter((i) => !change.ids.includes(i.id));
      return;
    }
    case "trim":
      trim(state, change.node, change.maxItems);
      return;
    case "purge": {
      const node = state.nodes.get(change.node);
      if (node) node.items = [];
      state.reads.delete(change.node); // who looked goes with what they looked at
      return;
    }
    case "deleteNode":
      removeNode(state, change.node);
      return;
    case "addSubscription":
      state.subscribersOf(change.subscription.node, true).set(change.subscription.jid, change.subscription);
      return;
    case "removeSubscription":
      removeSubscription(state, change.node, change.jid);
      return;
    case "addPending":
      state.setPending(change.request);
      return;
    case "removePending":
      removePending(state, change.node, change.jid);
      return;
    case "savePresence":
      state.presence.set(change.presence.jid, change.presence);
      return;
    case "saveSession":
      return; // the presence table follows presence stanzas; the store keeps sessions for other instances
    case "node":
      if (!change.node) removeNode(state, change.name);
      else {
        // share_until's state is this instance's (core/share-until.ts): carried over, then the shell checks again
        change.node.sharingEnded = state.nodes.get(change.name)?.sharingEnded;
        state.nodes.set(change.name, change.node);
      }
      return;
    case "subscription":
      if (change.subscription) state.subscribersOf(change.node, true).set(change.jid, change.subscription);
      else removeSubscription(state, change.node, change.jid);
      return;
    case "pending":
      if (change.request) state.setPending(change.request);
      else removePending(state, change.node, change.jid);
      return;
    case "all":
      restoreAll(state, change.fresh);
      return;
  }
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
    if (node) state.nodes.set(name, { ...node, sharingEnded: state.nodes.get(name)?.sharingEnded }); // share_until's state is memory's
    else if (state.nodes.has(name)) removeNode(state, name);
    state.subscriptions.delete(name);
    for (const s of [...temporary, ...fresh.subscriptions.filter((s) => s.node === name)]) state.subscribersOf(name, true).set(s.jid, s);
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
  const names = new Set([...state.nodes.keys(), ...state.subscriptions.keys(), ...fresh.nodes.map((n) => n.name),
    ...fresh.subscriptions.map((s) => s.node)]);
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
