// The service's state in memory: private to the core. Only `apply` (core/apply.ts) changes what the store also
// keeps; what lives in memory only (the presence table, the read log, rate buckets, share_until's state) is kept
// by the operation it belongs to.
import type { AccessPolicy } from "./access.ts";
import type { Item, NodeConfig, PendingRequest, PersonalNode, ReadLog, Subscription } from "./model.ts";
import { PresenceTable, type PublisherPresence } from "./presence.ts";
import type { Bucket } from "./rate.ts";
import type { StoredState } from "./store.ts";

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
  /** node -> requested JID -> request waiting for the owner (XEP-0060 §8.6) */
  readonly pending = new Map<string, Map<string, PendingRequest>>();
  /** who fetched each publisher's items lately (core/watchers.ts); in memory only, erased with the node */
  readonly reads: ReadLog = new Map();
  /** publisher bare JID -> its rate-limit bucket */
  readonly buckets = new Map<string, Bucket>();

  constructor(
    loaded: StoredState,
    readonly settings: Settings,
  ) {
    for (const n of loaded.nodes) this.nodes.set(n.name, n);
    for (const s of loaded.subscriptions) this.subscribersOf(s.node, true).set(s.jid, s);
    for (const r of loaded.pending ?? []) this.setPending(r);
  }

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

  /** XEP-0060 §12.5: a subscription of a full JID available to the service is temporary (ends when it goes offline) */
  isTemporary(jid: string): boolean {
    return jid.includes("/") && this.resources.isAvailable(jid);
  }

  latest(node: PersonalNode): Item | undefined {
    return node.items[node.items.length - 1];
  }
}
