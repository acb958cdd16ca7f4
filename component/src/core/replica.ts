// Several instances share one PostgreSQL (CLUSTER.md §2): the rare changes another instance made (a node
// created, configured, given affiliations or deleted; a persistent subscription added or removed) reach this one
// as values read back from the store after that instance's COMMIT, and are put into memory here. Items and
// presence are never pushed this way (no message per publish).
import type { PendingRequest, PersonalNode, Subscription } from "./model.ts";
import type { State } from "./state.ts";
import type { StoredState } from "./store.ts";

export type RemoteChange =
  /** the node as stored now; undefined: it no longer exists */
  | { kind: "node"; name: string; node: PersonalNode | undefined }
  /** the persistent subscription as stored now; undefined: it no longer exists */
  | { kind: "subscription"; node: string; jid: string; subscription: Subscription | undefined }
  /** a subscription request waiting for the owner (XEP-0060 §8.6) as stored now; undefined: answered or withdrawn */
  | { kind: "pending"; node: string; jid: string; request: PendingRequest | undefined }
  /** everything, after a gap in which changes may have been missed (the listening connection was lost) */
  | { kind: "all"; fresh: StoredState };

/** A store that tells about changes other instances committed. */
export interface Replicated {
  onRemoteChange(listener: (change: RemoteChange) => void): void;
}

export function hasReplication<S extends object>(store: S): store is S & Replicated {
  return typeof (store as Partial<Replicated>).onRemoteChange === "function";
}

/** Puts another instance's committed change into this instance's memory. Temporary subscriptions stay (§12.5). */
export function applyRemote(state: State, change: RemoteChange): void {
  if (change.kind === "node") {
    if (change.node) {
      // share_until's state is this instance's (core/share-until.ts): carried over, then the shell checks again
      change.node.sharingEnded = state.nodes.get(change.name)?.sharingEnded;
      state.nodes.set(change.name, change.node);
    } else if (state.nodes.delete(change.name)) {
      // XEP-0060 §8.4: a deleted node's subscriptions are gone with it
      state.presence.delete(change.name);
      state.subscriptions.delete(change.name);
      state.pending.delete(change.name);
    }
    return;
  }
  if (change.kind === "pending") {
    if (change.request) state.setPending(change.request);
    else {
      const m = state.pending.get(change.node);
      m?.delete(change.jid);
      if (m && !m.size) state.pending.delete(change.node);
    }
    return;
  }
  if (change.kind === "subscription") {
    const current = state.subscriptions.get(change.node)?.get(change.jid);
    if (change.subscription) state.subscribersOf(change.node, true).set(change.jid, change.subscription);
    else if (current) {
      const m = state.subscriptions.get(change.node)!;
      m.delete(change.jid);
      if (!m.size) state.subscriptions.delete(change.node);
    }
    return;
  }
  const names = new Set([...state.nodes.keys(), ...state.subscriptions.keys(), ...change.fresh.nodes.map((n) => n.name),
    ...change.fresh.subscriptions.map((s) => s.node)]);
  state.restore([...names], change.fresh);
  // pending requests: the store is the truth (an instance that answered or withdrew one while this one was away)
  state.pending.clear();
  for (const r of change.fresh.pending ?? []) state.setPending(r);
  // restore() keeps the temporary subscriptions memory held; here the store is the truth for other instances'
  // viewers (one may have gone offline while this instance was not listening): keep only this instance's own
  // (resources it sees online) besides the stored ones
  const stored = new Set(change.fresh.subscriptions.filter((s) => s.temporary).map((s) => `${s.node} ${s.jid}`));
  for (const [node, subs] of [...state.subscriptions]) {
    for (const s of [...subs.values()]) {
      if (s.temporary && !stored.has(`${node} ${s.jid}`) && !state.resources.isAvailable(s.jid)) subs.delete(s.jid);
    }
    if (!subs.size) state.subscriptions.delete(node);
  }
}
