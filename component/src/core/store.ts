// The persistence port, owned by the core. Durability before ack: a write is committed when the call returns, or,
// with group commit (SQLite and PostgreSQL: core/group-commit.ts), before the shell releases any reply after it.
import type { Change } from "./changes.ts";
import type { Item, NodeConfig, PendingRequest, PersonalNode, Subscription } from "./model.ts";
import type { PublisherPresence } from "./presence.ts";

export interface StoredState {
  nodes: PersonalNode[];
  /** persistent and temporary subscriptions (§12.5: a temporary one is confirmed with its session after a restart) */
  subscriptions: Subscription[];
  /** XEP-0060 §8.6 subscription requests waiting for the owner (stores that keep them) */
  pending?: PendingRequest[];
}

/**
 * The storage could not commit (locked, disk full, read-only, I/O error). Nothing of the failed call was written;
 * the service answers `resource-constraint` (type wait) and keeps its in-memory state unchanged.
 */
export class StoreUnavailable extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`storage unavailable: ${reason}`, options);
    this.name = "StoreUnavailable";
  }
}

export interface Store {
  load(): StoredState;
  /**
   * Commits the changes, all or none: if it throws (StoreUnavailable), nothing of them was written. With group
   * commit (core/group-commit.ts) they are durable once the batch holding them commits. Every kind is taken; one the
   * store does not keep (savePresence and saveSession: only a store shared by several instances needs them) is
   * dropped.
   */
  commit(changes: readonly Change[]): void;
  /** runs `writes` as one transaction: all of them are committed or none (then it throws StoreUnavailable) */
  atomically<T>(writes: () => T): T;
  // The per-write methods below: each commits one Change (store/writes.ts), until the core commits Change values.
  createNode(name: string, config: NodeConfig): void;
  saveConfig(name: string, config: NodeConfig): void;
  /** affiliation "none" removes the row */
  setAffiliation(node: string, jid: string, affiliation: string): void;
  /** inserts or replaces item.id, then keeps the newest maxItems */
  putItem(node: string, item: Item, maxItems: number): void;
  deleteItems(node: string, ids: string[]): void;
  /** keeps the newest maxItems (after a configuration change) */
  trim(node: string, maxItems: number): void;
  purge(node: string): void;
  /** removes the node, its items, affiliations and subscriptions */
  deleteNode(node: string): void;
  addSubscription(sub: Subscription): void;
  removeSubscription(node: string, jid: string): void;
  /** XEP-0060 §12.5 temporary subscriptions: kept so that a restart can confirm them (xmpp/confirm.ts) and so
   * that, with a shared store, every instance knows them */
  addTemporarySubscription?(sub: Subscription): void;
  removeTemporarySubscription?(node: string, jid: string): void;
  /** a publisher's presence, for other instances' reads (shared stores only; core/shared-read.ts) */
  savePresence?(p: PublisherPresence): void;
  /** a subscription request now waiting for the owner (XEP-0060 §8.6), kept across restarts and shared */
  addPendingRequest?(r: PendingRequest): void;
  /** the request was answered or withdrawn (deleteNode removes a node's requests itself) */
  removePendingRequest?(node: string, jid: string): void;
  /** an available full JID (true) or one that went away (false), for other instances (shared stores only;
   * xmpp/sessions.ts) */
  saveSession?(full: string, available: boolean): void;
  close(): void;
}
