// The changes a core operation makes, as values (the write kinds of the Store port, core/store.ts). A core
// operation returns them; the store commits them (`commit(changes)`: all or none), then one pure `apply` puts
// each into memory: this instance's changes and, several instances on one PostgreSQL, other instances' alike.
import type { Affiliation, Item, NodeConfig, PendingRequest, Subscription } from "./model.ts";
import type { PublisherPresence } from "./presence.ts";

export type Change =
  | { kind: "createNode"; node: string; config: NodeConfig }
  | { kind: "saveConfig"; node: string; config: NodeConfig }
  /** affiliation "none" removes the row */
  | { kind: "setAffiliation"; node: string; jid: string; affiliation: Exclude<Affiliation, "owner"> }
  /** inserts or replaces item.id (it becomes the newest), then keeps the newest maxItems */
  | { kind: "putItem"; node: string; item: Item; maxItems: number }
  | { kind: "deleteItems"; node: string; ids: string[] }
  /** keeps the newest maxItems (after a configuration change) */
  | { kind: "trim"; node: string; maxItems: number }
  | { kind: "purge"; node: string }
  /** XEP-0060 §8.4: the node, its items, affiliations, subscriptions (persistent and temporary) and pending requests */
  | { kind: "deleteNode"; node: string }
  /** persistent or temporary (XEP-0060 §12.5) by its `temporary` flag; replaces the JID's subscription to the node */
  | { kind: "addSubscription"; subscription: Subscription }
  | { kind: "removeSubscription"; node: string; jid: string; temporary: boolean }
  /** XEP-0060 §8.6: a subscription request now waiting for the owner */
  | { kind: "addPending"; request: PendingRequest }
  | { kind: "removePending"; node: string; jid: string }
  /** a publisher's presence (a shared store keeps it for other instances' reads; others need not) */
  | { kind: "savePresence"; presence: PublisherPresence }
  /** an available full JID (true) or one that went away (false) (a shared store keeps them; others need not) */
  | { kind: "saveSession"; jid: string; available: boolean };

export type ChangeKind = Change["kind"];
