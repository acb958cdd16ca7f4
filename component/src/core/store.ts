// The persistence port, owned by the core. Every write is committed when the call returns (durability before ack).
import type { Item, NodeConfig, PersonalNode, Subscription } from "./model.ts";

export interface StoredState {
  nodes: PersonalNode[];
  /** persistent subscriptions only */
  subscriptions: Subscription[];
}

export interface Store {
  load(): StoredState;
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
  close(): void;
}
