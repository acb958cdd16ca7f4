// The service's state in memory, mirrored to the Store on every change (write-through, committed before replies).
import type { AccessPolicy } from "./access.ts";
import type { Item, NodeConfig, PendingRequest, PersonalNode, ReadLog, Subscription } from "./model.ts";
import { PresenceTable, type PublisherPresence } from "./presence.ts";
import type { Bucket } from "./rate.ts";
import type { Store, StoredState } from "./store.ts";

export interface Settings extends AccessPolicy {
  /** configuration of new personal nodes (operator's choice) */
  defaults: NodeConfig;
  /** XEP-0060 pubsub#max_items upper bound a node may be configured to */
  maxItemsLimit: number;
  /** payload cap in bytes of the serialised <geoloc/> (XEP-0060 §7.1.3.4 payload-too-big) */
  maxPayloadBytes: number;
  /** per publisher bare JID token bucket: publishes per second and burst (perSecond 0 = no limit) */
  rate: { perSecond: number; burst: number };
}

export const DEFAULT_SETTINGS: Omit<Settings, "domains"> = {
  defaults: { accessModel: "open", maxItems: 20, title: "", coarseKm: 0, exact: [] },
  maxItemsLimit: 1000,
  maxPayloadBytes: 8 * 1024,
  // no limit for embedding and tests; the run contract (config.ts) defaults to 10/s, burst 20
  rate: { perSecond: 0, burst: 20 },
};

export class State {
  readonly nodes = new Map<string, PersonalNode>();
  /** node name (personal, "locations" or "presence") -> subscriber JID -> subscription */
  readonly subscriptions = new Map<string, Map<string, Subscription>>();
  /** current presence of publishers that have a node */
  readonly presence = new Map<string, PublisherPresence>();
  readonly resources = new PresenceTable();
  /** node -> requested JID -> request waiting for the owner (XEP-0060 §8.6); stored (addPending, removePending) */
  readonly pending = new Map<string, Map<string, PendingRequest>>();
  /** who fetched each publisher's items lately (core/watchers.ts); in memory only, erased with the node */
  readonly reads: ReadLog = new Map();
  /** publisher bare JID -> its rate-limit bucket */
  readonly buckets = new Map<string, Bucket>();

  constructor(readonly store: Store, readonly settings: Settings) {
    const loaded = store.load();
    for (const n of loaded.nodes) this.nodes.set(n.name, n);
    for (const s of loaded.subscriptions) this.subscribersOf(s.node, true).set(s.jid, s);
    for (const r of loaded.pending ?? []) this.setPending(r);
  }

  /** XEP-0060 §8.6: a request waiting for the owner, stored so that a restart or another instance keeps it. */
  addPending(r: PendingRequest): void {
    this.store.addPendingRequest?.(r);
    this.setPending(r);
  }

  removePending(node: string, jid: string): void {
    const m = this.pending.get(node);
    if (!m?.has(jid)) return;
    this.store.removePendingRequest?.(node, jid);
    m.delete(jid);
    if (!m.size) this.pending.delete(node);
  }

  /** in memory only (loading, another instance's change: core/replica.ts) */
  setPending(r: PendingRequest): void {
    let m = this.pending.get(r.node);
    if (!m) this.pending.set(r.node, (m = new Map()));
    m.set(r.jid, r);
  }

  subscribersOf(node: string, create = false): Map<string, Subscription> {
    let m = this.subscriptions.get(node);
    if (!m && create) this.subscriptions.set(node, (m = new Map()));
    return m ?? new Map();
  }

  addSubscription(sub: Subscription): void {
    if (!sub.temporary) this.store.addSubscription(sub);
    else this.store.addTemporarySubscription?.(sub); // to confirm after a restart; shared: every instance knows it
    this.subscribersOf(sub.node, true).set(sub.jid, sub);
  }

  removeSubscription(node: string, jid: string): void {
    const m = this.subscriptions.get(node);
    const sub = m?.get(jid);
    if (!sub) return;
    if (!sub.temporary) this.store.removeSubscription(node, jid);
    else this.store.removeTemporarySubscription?.(node, jid);
    m!.delete(jid);
    if (!m!.size) this.subscriptions.delete(node);
  }

  /**
   * Sets the named nodes (personal, or "locations"/"presence" for their subscriptions) back to their durable state
   * after an asynchronous store failed to commit changes memory already holds (core/group-commit.ts). A name
   * missing from `fresh.nodes` is a node that does not exist. Temporary subscriptions are never stored: kept.
   */
  restore(names: readonly string[], fresh: StoredState): void {
    for (const name of names) {
      const node = fresh.nodes.find((n) => n.name === name);
      if (node) this.nodes.set(name, { ...node, sharingEnded: this.nodes.get(name)?.sharingEnded }); // share_until's state is memory's
      else if (this.nodes.delete(name)) this.presence.delete(name);
      const temporary = [...(this.subscriptions.get(name)?.values() ?? [])].filter((s) => s.temporary);
      this.subscriptions.delete(name);
      for (const s of [...temporary, ...fresh.subscriptions.filter((s) => s.node === name)]) this.subscribersOf(name, true).set(s.jid, s);
    }
  }

  /**
   * What restore() would need to set `name` back to how it is now: a copy of the node (its items and subscriptions
   * are values, shared) and its persistent subscriptions.
   */
  snapshot(name: string): StoredState {
    const n = this.nodes.get(name);
    return {
      nodes: n ? [{ ...n, config: { ...n.config }, affiliations: new Map(n.affiliations), items: [...n.items] }] : [],
      subscriptions: [...(this.subscriptions.get(name)?.values() ?? [])].filter((s) => !s.temporary),
    };
  }

  latest(node: PersonalNode): Item | undefined {
    return node.items[node.items.length - 1];
  }
}
