// Several instances share one PostgreSQL (CLUSTER.md §2): the rare changes another instance made (a node
// created, configured, given affiliations or deleted; a persistent subscription added or removed) reach this one
// as values read back from the store after that instance's COMMIT, and are put into memory by core/apply.ts.
// Items and presence are never pushed this way (no message per publish).
import type { PendingRequest, PersonalNode, Subscription } from "./model.ts";
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
