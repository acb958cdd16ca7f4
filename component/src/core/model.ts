// The values the service keeps: personal nodes, items, subscriptions.
import type { Geoloc } from "./geoloc.ts";
import type { PublisherPresence } from "./presence.ts";

/** XEP-0060 §4.5 access models the service offers for personal nodes. */
export type AccessModel = "open" | "whitelist" | "authorize";
export const ACCESS_MODELS: readonly AccessModel[] = ["open", "whitelist", "authorize"];
export const isAccessModel = (m: string): m is AccessModel => (ACCESS_MODELS as readonly string[]).includes(m);

/** XEP-0060 §4.1 affiliations (owner is implied by the node name). */
export type Affiliation = "owner" | "publisher" | "member" | "none" | "outcast";

export interface NodeConfig {
  accessModel: AccessModel;
  maxItems: number;
  title: string;
  /** coarse sharing: viewers not on `exact` see positions snapped to a grid of this many km (0 = everybody exact) */
  coarseKm: number;
  /** bare JIDs that see the exact fix when coarseKm > 0 (sorted, no duplicates); the owner always does */
  exact: string[];
  /** geo#share_until: epoch ms after which the node's viewers are told sharing stopped (undefined = no end) */
  shareUntil?: number;
}

export interface Item {
  id: string;
  publisher: string; // bare JID, always set by the service (XEP-0060 §7.1.2.3)
  geoloc: Geoloc;
  published: number; // epoch ms when the service accepted it
}

/** A PEP-style personal node: its name is the owner's bare JID. */
export interface PersonalNode {
  name: string;
  config: NodeConfig;
  /** explicit affiliations other than the owner's */
  affiliations: Map<string, Exclude<Affiliation, "owner" | "none">>;
  /** oldest first, at most config.maxItems */
  items: Item[];
  /** share_until has passed (core/share-until.ts): only the owner sees the items. In memory, set again at start */
  sharingEnded?: boolean;
}

export interface Subscription {
  node: string;
  jid: string; // as subscribed: bare or full JID
  subid: string;
  /** XEP-0060 §12.5: ends when that full JID goes offline; never stored */
  temporary: boolean;
  /** XEP-0060 §6.3 subscription options; undefined = the defaults (core/sub-options.ts) */
  options?: SubscriptionOptions;
}

/** An area in degrees (geo#bbox); west > east crosses the antimeridian. */
export interface BBox {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** XEP-0060 §6.3 subscription options the service offers (pubsub#subscribe_options). */
export interface SubscriptionOptions {
  /** pubsub#deliver: false = no notifications at all */
  deliver: boolean;
  /** pubsub#digest: notifications gathered into one message per period */
  digest: boolean;
  /** pubsub#digest_frequency: the least ms between two digests; 0 = one digest per outbox flush */
  digestFrequency: number;
  /** geo#bbox (`locations` and `presence` only): only publishers whose newest fix is inside (core/area.ts) */
  area?: BBox;
}

/** What subscribers are told, as data; protocol/ turns each into a <message/>. */
export type Event =
  | { kind: "item"; node: string; item: Item }
  /** `leave`: an area subscriber is told a publisher left its area (the id is the one it was last told) */
  | { kind: "retract"; node: string; ids: string[]; leave?: true }
  | { kind: "purge"; node: string }
  | { kind: "delete"; node: string }
  | { kind: "presence"; presence: PublisherPresence }
  | { kind: "presence-retract"; jid: string }
  | { kind: "subscription"; node: string; jid: string; state: "none" | "subscribed" }
  /** XEP-0060 §8.6.1: asks the owner to approve a subscription to an authorize node (a data form, not a headline) */
  | { kind: "authorization-request"; node: string; jid: string; subid: string };

/** XEP-0060 §6.1.6 / §8.6: a subscription request to an authorize node, waiting for the owner. Not stored. */
export interface PendingRequest {
  node: string;
  jid: string; // as requested: bare or full JID
  subid: string;
}

export interface Notification {
  to: string;
  event: Event;
  /** replayed state (last item on subscribe): carries XEP-0203 <delay/> */
  delayed?: boolean;
}

/** One viewer's fetches of a publisher's items (core/watchers.ts). */
export interface ReadEntry {
  jid: string;
  /** epoch ms of the first and the latest fetch in the window */
  first: number;
  last: number;
  count: number;
}

/** publisher bare JID -> viewer bare JID -> entry, least recently read first. In memory only: never on disk. */
export type ReadLog = Map<string, Map<string, ReadEntry>>;
