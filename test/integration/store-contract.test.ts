// One store contract (core/store.ts), the same behaviour tests against all three stores: memory (the reference,
// core/memory-store.ts), SQLite and PostgreSQL (test/support/store-subjects.ts). This file: the per-write methods
// (test/support/store-writes.ts over commit); commit(changes) itself, all or none: store-contract-commit.test.ts.
// What only one store does (SQLite's failures and erasure, PostgreSQL's migrations, NOTIFY and locks) is tested in
// its own file.
import { beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../component/src/core/store.ts";
import type { PerWrite } from "../support/store-writes.ts";
import { CONFIG, item, settle, storeSubjects } from "../support/store-subjects.ts";

describe.each(storeSubjects())("the $name store", ({ database, open, count }) => {
  describe("pending authorization requests (XEP-0060 §8.6)", () => {
    it("are stored, survive a restart of the store and go with an answer or with their node", async () => {
      const url = await database();
      const s = await open(url);
      s.createNode("alice@localhost", { ...CONFIG, accessModel: "authorize" });
      s.addPendingRequest!({ node: "alice@localhost", jid: "bob@localhost", subid: "s1" });
      s.addPendingRequest!({ node: "alice@localhost", jid: "eve@localhost/map", subid: "s2" });
      await settle(s);
      const again = await open(url);
      expect(again.load().pending!.sort((a, b) => a.subid.localeCompare(b.subid))).toEqual([
        { node: "alice@localhost", jid: "bob@localhost", subid: "s1" },
        { node: "alice@localhost", jid: "eve@localhost/map", subid: "s2" },
      ]);
      again.removePendingRequest!("alice@localhost", "bob@localhost");
      await settle(again);
      expect((await open(url)).load().pending).toEqual([
        { node: "alice@localhost", jid: "eve@localhost/map", subid: "s2" },
      ]);
      again.deleteNode("alice@localhost");
      await settle(again);
      expect((await open(url)).load().pending ?? []).toEqual([]);
    });
  });

  describe("temporary subscriptions (XEP-0060 §12.5)", () => {
    it(
      "keeps them across a reopen, as temporary, apart from the persistent ones, " + "and drops them with their node",
      async () => {
        const A = "a@localhost";
        const file = await database();
        const s = await open(file);
        s.createNode(A, CONFIG);
        s.addSubscription({ node: "locations", jid: "pat@localhost", subid: "p1", temporary: false });
        s.addTemporarySubscription!({ node: "locations", jid: "vic@localhost/map", subid: "t1", temporary: true });
        s.addTemporarySubscription!({ node: A, jid: "vic@localhost/map", subid: "t2", temporary: true });
        s.addTemporarySubscription!({ node: "presence", jid: "eve@localhost/tab", subid: "t3", temporary: true });
        s.removeTemporarySubscription!("presence", "eve@localhost/tab");
        s.deleteNode(A);
        await settle(s);
        s.close();
        const again = await open(file);
        expect(again.load().subscriptions.sort((x, y) => x.subid.localeCompare(y.subid))).toEqual([
          { node: "locations", jid: "pat@localhost", subid: "p1", temporary: false },
          { node: "locations", jid: "vic@localhost/map", subid: "t1", temporary: true },
        ]);
      },
    );
  });

  describe("the store's behaviour", () => {
    let url: string, s: Store & PerWrite;
    beforeAll(async () => {
      url = await database();
      s = await open(url);
    });
    const reload = async () => (await open(url)).load();

    it("creates a node and keeps the newest max_items items, a re-published id becoming the newest", async () => {
      s.atomically(() => {
        s.createNode("alice@localhost", CONFIG);
        s.putItem("alice@localhost", item("a", 1), 3);
      });
      for (const [id, lat] of [
        ["b", 2],
        ["c", 3],
        ["a", 4],
        ["d", 5],
      ] as const)
        s.putItem("alice@localhost", item(id, lat), 3);
      await settle(s);
      const [node] = (await reload()).nodes;
      expect(node.config).toEqual(CONFIG);
      expect(node.items.map((i) => i.id)).toEqual(["c", "a", "d"]);
      expect(node.items[1]).toEqual(item("a", 4)); // JSON payload and epoch ms intact, non-ASCII included
    });

    it("deletes items by id and purges", async () => {
      s.deleteItems("alice@localhost", ["c", "d"]);
      await settle(s);
      expect((await reload()).nodes[0].items.map((i) => i.id)).toEqual(["a"]);
      s.purge("alice@localhost");
      await settle(s);
      expect((await reload()).nodes[0].items).toEqual([]);
    });

    it("saves configuration and trims to a smaller max_items", async () => {
      for (const id of ["p", "q", "r"]) s.putItem("alice@localhost", item(id), 3);
      s.atomically(() => {
        s.saveConfig("alice@localhost", {
          accessModel: "whitelist",
          maxItems: 1,
          title: "van",
          coarseKm: 0,
          exact: [],
        });
        s.trim("alice@localhost", 1);
      });
      await settle(s);
      const [node] = (await reload()).nodes;
      expect(node.config).toEqual({ accessModel: "whitelist", maxItems: 1, title: "van", coarseKm: 0, exact: [] });
      expect(node.items.map((i) => i.id)).toEqual(["r"]);
    });

    it("sets, replaces and removes affiliations", async () => {
      s.setAffiliation("alice@localhost", "bob@localhost", "member");
      s.setAffiliation("alice@localhost", "carol@localhost", "publisher");
      s.setAffiliation("alice@localhost", "bob@localhost", "outcast");
      s.setAffiliation("alice@localhost", "carol@localhost", "none");
      await settle(s);
      expect([...(await reload()).nodes[0].affiliations]).toEqual([["bob@localhost", "outcast"]]);
    });

    it("adds, replaces and removes persistent subscriptions", async () => {
      s.addSubscription({ node: "locations", jid: "bob@localhost", subid: "s1", temporary: false });
      s.addSubscription({ node: "alice@localhost", jid: "bob@localhost", subid: "s2", temporary: false });
      s.addSubscription({ node: "alice@localhost", jid: "bob@localhost", subid: "s3", temporary: false });
      s.addSubscription({ node: "presence", jid: "dan@localhost", subid: "s4", temporary: false });
      s.removeSubscription("presence", "dan@localhost");
      await settle(s);
      expect((await reload()).subscriptions.sort((a, b) => a.subid.localeCompare(b.subid))).toEqual([
        { node: "locations", jid: "bob@localhost", subid: "s1", temporary: false },
        { node: "alice@localhost", jid: "bob@localhost", subid: "s3", temporary: false },
      ]);
    });

    it("keeps a subscription's options (XEP-0060 §6.3), persistent and temporary, and replaces them", async () => {
      const digest = { deliver: true, digest: true, digestFrequency: 250 };
      s.addSubscription({ node: "presence", jid: "eve@localhost", subid: "o1", temporary: false, options: digest });
      s.addTemporarySubscription!({
        node: "presence",
        jid: "eve@localhost/map",
        subid: "o2",
        temporary: true,
        options: { ...digest, deliver: false },
      });
      await settle(s);
      const subs = (await reload()).subscriptions.filter((x) => x.node === "presence");
      expect(subs.sort((a, b) => a.subid.localeCompare(b.subid))).toEqual([
        { node: "presence", jid: "eve@localhost", subid: "o1", temporary: false, options: digest },
        {
          node: "presence",
          jid: "eve@localhost/map",
          subid: "o2",
          temporary: true,
          options: { ...digest, deliver: false },
        },
      ]);
      s.addSubscription({ node: "presence", jid: "eve@localhost", subid: "o1", temporary: false });
      s.removeTemporarySubscription!("presence", "eve@localhost/map");
      s.removeSubscription("presence", "eve@localhost");
      await settle(s);
      expect((await reload()).subscriptions.filter((x) => x.node === "presence")).toEqual([]);
    });

    it("deletes a node with its items, affiliations and subscriptions", async () => {
      s.deleteNode("alice@localhost");
      await settle(s);
      expect(await reload()).toEqual({
        nodes: [],
        subscriptions: [{ node: "locations", jid: "bob@localhost", subid: "s1", temporary: false }],
      });
      expect(await count(url, "items")).toBe(0);
      expect(await count(url, "affiliations")).toBe(0);
    });
  });
});
