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
  /** runs `writes` as one transaction: all of them are committed or none (then it throws StoreUnavailable) */
  atomically<T>(writes: () => T): T;
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

/**
 * Commits `changes`: all or none (StoreUnavailable: nothing written). The one call the core writes through; until
 * every store implements `commit(changes)` it maps each change onto the write method of its kind.
 */
export function commitChanges(store: Store, changes: readonly Change[]): void {
  if (changes.length === 1) write(store, changes[0]); // one write is one transaction already
  else if (changes.length) store.atomically(() => { for (const c of changes) write(store, c); });
}

function write(store: Store, c: Change): void {
  switch (c.kind) {
    case "createNode": return store.createNode(c.node, c.config);
    case "saveConfig": return store.saveConfig(c.node, c.config);
    case "setAffiliation": return store.setAffiliation(c.node, c.jid, c.affiliation);
    case "putItem": return store.putItem(c.node, c.item, c.maxItems);
    case "deleteItems": return store.deleteItems(c.node, c.ids);
    case "trim": return store.trim(c.node, c.maxItems);
    case "purge": return store.purge(c.node);
    case "deleteNode": return store.deleteNode(c.node);
    case "addSubscription":
      // XEP-0060 §12.5 temporary ones: kept to confirm after a restart; shared: every instance knows them
      if (c.subscription.temporary) return store.addTemporarySubscription?.(c.subscription);
      return store.addSubscription(c.subscription);
    case "removeSubscription":
      return c.temporary ? store.removeTemporarySubscription?.(c.node, c.jid) : store.removeSubscription(c.node, c.jid);
    case "addPending": return store.addPendingRequest?.(c.request);
    case "removePending": return store.removePendingRequest?.(c.node, c.jid);
    case "savePresence": return store.savePresence?.(c.presence);
    case "saveSession": return store.saveSession?.(c.jid, c.available);
  }
}
