// The per-write calls the store tests are written in, over the Store port's one write, commit(changes): each call
// commits one Change, and `atomically` commits the changes of the calls inside it as one commit (all or none).
import type { Change } from "../../component/src/core/changes.ts";
import type { Affiliation, Item, NodeConfig, PendingRequest, Subscription } from "../../component/src/core/model.ts";
import type { PublisherPresence } from "../../component/src/core/presence.ts";
import type { Store } from "../../component/src/core/store.ts";

export interface PerWrite {
  createNode(node: string, config: NodeConfig): void;
  saveConfig(node: string, config: NodeConfig): void;
  /** affiliation "none" removes the row */
  setAffiliation(node: string, jid: string, affiliation: string): void;
  putItem(node: string, item: Item, maxItems: number): void;
  deleteItems(node: string, ids: string[]): void;
  trim(node: string, maxItems: number): void;
  purge(node: string): void;
  deleteNode(node: string): void;
  addSubscription(s: Subscription): void;
  removeSubscription(node: string, jid: string): void;
  addTemporarySubscription(s: Subscription): void;
  removeTemporarySubscription(node: string, jid: string): void;
  addPendingRequest(r: PendingRequest): void;
  removePendingRequest(node: string, jid: string): void;
  savePresence(p: PublisherPresence): void;
  saveSession(jid: string, available: boolean): void;
  /** the changes of the calls `writes` makes, committed together: all of them or none */
  atomically<T>(writes: () => T): T;
}

/** `store` with the per-write calls added (the same object, so its own methods still work). */
export function withWrites<S extends Store>(store: S): S & PerWrite {
  let open: Change[] | undefined;
  const one = (c: Change) => (open ? void open.push(c) : store.commit([c]));
  const calls: PerWrite = {
    createNode: (node, config) => one({ kind: "createNode", node, config }),
    saveConfig: (node, config) => one({ kind: "saveConfig", node, config }),
    setAffiliation: (node, jid, a) =>
      one({ kind: "setAffiliation", node, jid, affiliation: a as Exclude<Affiliation, "owner"> }),
    putItem: (node, item, maxItems) => one({ kind: "putItem", node, item, maxItems }),
    deleteItems: (node, ids) => one({ kind: "deleteItems", node, ids }),
    trim: (node, maxItems) => one({ kind: "trim", node, maxItems }),
    purge: (node) => one({ kind: "purge", node }),
    deleteNode: (node) => one({ kind: "deleteNode", node }),
    addSubscription: (s) => one({ kind: "addSubscription", subscription: { ...s, temporary: false } }),
    removeSubscription: (node, jid) => one({ kind: "removeSubscription", node, jid, temporary: false }),
    addTemporarySubscription: (s) => one({ kind: "addSubscription", subscription: { ...s, temporary: true } }),
    removeTemporarySubscription: (node, jid) => one({ kind: "removeSubscription", node, jid, temporary: true }),
    addPendingRequest: (request) => one({ kind: "addPending", request }),
    removePendingRequest: (node, jid) => one({ kind: "removePending", node, jid }),
    savePresence: (presence) => one({ kind: "savePresence", presence }),
    saveSession: (jid, available) => one({ kind: "saveSession", jid, available }),
    atomically<T>(writes: () => T): T {
      if (open) return writes();
      const changes: Change[] = (open = []);
      let result: T;
      try {
        result = writes();
      } finally {
        open = undefined;
      }
      store.commit(changes);
      return result;
    },
  };
  return Object.assign(store, calls);
}
