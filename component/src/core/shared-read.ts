// Reads served from the shared store (CLUSTER.md §3): with several instances, this instance's memory holds
// another instance's publishers' nodes as of their last change (LISTEN/NOTIFY), not their latest items or
// presence. A read (items, disco#items) is therefore answered from what the store holds now, by the same pure
// core: the shell awaits the rows, the core decides on them as values.
import type { PublisherPresence } from "./presence.ts";
import { MemoryStore } from "./memory-store.ts";
import { GeoService } from "./service.ts";
import { isDue } from "./share-until.ts";
import type { Settings } from "./state.ts";
import type { StoredState } from "./store.ts";

/** The stored state a read needs: the nodes (with the items the read may show) and publishers' presence. */
export interface ReadView {
  state: StoredState;
  presence: PublisherPresence[];
}

/** A store that answers reads from the shared database. `node`: a personal node, or undefined for all nodes
 * (each with its latest item only: enough for `locations`, `presence` and disco#items of the service). */
export interface SharedReads {
  /** publishers' presence comes from the instance that owns each publisher (its savePresence changes) */
  readView(node: string | undefined): Promise<ReadView>;
}

export function hasSharedReads<S extends object>(store: S): store is S & SharedReads {
  return typeof (store as Partial<SharedReads>).readView === "function";
}

/** A read-only core over a view: its reads (items, view, visibleNodes) decide on these values alone. `now`: for
 * share_until, as the stored rows say. */
export function readerOver(view: ReadView, settings: Settings, now: number): GeoService {
  for (const n of view.state.nodes) n.sharingEnded = isDue(n, now);
  const core = new GeoService(new MemoryStore(view.state, { readOnly: true }), settings, () => {
    throw new Error("a read-only view was written to");
  });
  for (const p of view.presence) core.applyRemote({ kind: "savePresence", presence: p });
  return core;
}
