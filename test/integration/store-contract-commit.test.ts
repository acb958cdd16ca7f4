// The store contract's commit(changes) against all three stores (test/support/store-subjects.ts): every kind of change
// is taken, and a commit is all or none. The per-write methods: store-contract.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import type { Change } from "../../component/src/core/changes.ts";
import { StoreUnavailable, type Store } from "../../component/src/core/store.ts";
import type { PerWrite } from "../support/store-writes.ts";
import { CONFIG, item, settle, storeSubjects } from "../support/store-subjects.ts";

describe.each(storeSubjects())("the $name store", ({ database, open }) => {
  describe("commit(changes)", () => {
    let url: string, s: Store & PerWrite;
    beforeAll(async () => {
      url = await database();
      s = await open(url);
    });
    const reload = async () => (await open(url)).load();
    /** commits; a failure is thrown by commit() (memory, SQLite) or by the batch's commit (PostgreSQL) */
    const attempt = async (changes: Change[]) => {
      try {
        s.commit(changes);
      } finally {
        await settle(s);
      } // SQLite: the open batch holds the write lock until then
    };

    it("takes every kind of change; a kind the store does not keep is accepted and dropped", async () => {
      const node = "kinds@localhost";
      await attempt([
        { kind: "createNode", node, config: CONFIG },
        { kind: "saveConfig", node, config: { ...CONFIG, maxItems: 2, title: "t" } },
        { kind: "setAffiliation", node, jid: "m@localhost", affiliation: "member" },
        { kind: "putItem", node, item: item("1", 1), maxItems: 2 },
        { kind: "putItem", node, item: item("2", 2), maxItems: 2 },
        { kind: "putItem", node, item: item("3", 3), maxItems: 2 },
        { kind: "deleteItems", node, ids: ["2"] },
        { kind: "addSubscription", subscription: { node, jid: "p@localhost", subid: "p", temporary: false } },
        { kind: "addSubscription", subscription: { node, jid: "t@localhost/x", subid: "t", temporary: true } },
        { kind: "addPending", request: { node, jid: "q@localhost", subid: "q" } },
        { kind: "savePresence", presence: { jid: node, online: true, show: "away", since: 5 } },
        { kind: "saveSession", jid: "kinds@localhost/phone", available: true },
      ]);
      const state = await reload();
      expect(state.nodes).toEqual([
        {
          name: node,
          config: { ...CONFIG, maxItems: 2, title: "t" },
          affiliations: new Map([["m@localhost", "member"]]),
          items: [item("3", 3)],
        },
      ]);
      expect(state.subscriptions.sort((a, b) => a.subid.localeCompare(b.subid))).toEqual([
        { node, jid: "p@localhost", subid: "p", temporary: false },
        { node, jid: "t@localhost/x", subid: "t", temporary: true },
      ]);
      expect(state.pending).toEqual([{ node, jid: "q@localhost", subid: "q" }]);

      await attempt([
        { kind: "trim", node, maxItems: 0 },
        { kind: "removeSubscription", node, jid: "t@localhost/x", temporary: true },
        { kind: "removeSubscription", node, jid: "p@localhost", temporary: false },
        { kind: "removePending", node, jid: "q@localhost" },
        { kind: "saveSession", jid: "kinds@localhost/phone", available: false },
        { kind: "putItem", node, item: item("4", 4), maxItems: 2 },
        { kind: "purge", node },
      ]);
      expect(await reload()).toEqual({
        nodes: [
          {
            name: node,
            config: { ...CONFIG, maxItems: 2, title: "t" },
            affiliations: new Map([["m@localhost", "member"]]),
            items: [],
          },
        ],
        subscriptions: [],
      });
      await attempt([{ kind: "deleteNode", node }]);
      expect(await reload()).toEqual({ nodes: [], subscriptions: [] });
    });

    it("commits all of the changes or none", async () => {
      await attempt([{ kind: "createNode", node: "taken@localhost", config: CONFIG }]);
      const failed = await attempt([
        { kind: "putItem", node: "taken@localhost", item: item("lost"), maxItems: 3 },
        {
          kind: "addSubscription",
          subscription: { node: "locations", jid: "lost@localhost", subid: "l", temporary: false },
        },
        { kind: "createNode", node: "taken@localhost", config: CONFIG }, // exists: refused
      ]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failed).toBeInstanceOf(StoreUnavailable);
      expect(await reload()).toEqual({
        nodes: [{ name: "taken@localhost", config: CONFIG, affiliations: new Map(), items: [] }],
        subscriptions: [],
      });
      // and the store goes on
      await attempt([{ kind: "putItem", node: "taken@localhost", item: item("kept"), maxItems: 3 }]);
      expect((await reload()).nodes[0].items).toEqual([item("kept")]);
    });
  });
});
