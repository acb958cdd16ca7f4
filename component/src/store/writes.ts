// The Store port's per-write methods, each one Change committed alone. They stay while the core still calls them
// (issue #18 §2 makes it commit Change values itself); once it does, this file goes.
import type { Change } from "../core/changes.ts";
import type { Affiliation } from "../core/model.ts";
import type { Store } from "../core/store.ts";

export type PerWrite = Required<Omit<Store, "load" | "commit" | "atomically" | "close">>;

export function perWrite(commit: (changes: readonly Change[]) => void): PerWrite {
  const one = (c: Change) => commit([c]);
  return {
    createNode: (node, config) => one({ kind: "createNode", node, config }),
    saveConfig: (node, config) => one({ kind: "saveConfig", node, config }),
    setAffiliation: (node, jid, a) => one({ kind: "setAffiliation", node, jid, affiliation: a as Exclude<Affiliation, "owner"> }),
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
  };
}
