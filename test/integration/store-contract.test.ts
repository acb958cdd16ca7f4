// One store contract (core/store.ts), the same behaviour tests against all three stores: memory (the reference,
// core/memory-store.ts), SQLite and PostgreSQL (a private server: test/support/postgres.ts). What only one store does
// (SQLite's failures and erasure, PostgreSQL's migrations, NOTIFY and locks) is tested in its own file.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Change } from "../../component/src/core/changes.ts";
import { hasGroupCommit } from "../../component/src/core/group-commit.ts";
import type { Item, NodeConfig } from "../../component/src/core/model.ts";
import { StoreUnavailable, type Store } from "../../component/src/core/store.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";
import { openPostgresStore } from "../../component/src/store/postgres.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { startPostgres, type Postgres } from "../support/postgres.ts";
import { withWrites, type PerWrite } from "../support/store-writes.ts";

/** A kind of store: databases to open stores on (several stores on one database see each other's commits). */
interface Subject {
  name: string;
  database(): Promise<string>;
  open(db: string): Promise<Store & PerWrite>;
  /** the rows of a table the database holds */
  count(db: string, table: "items" | "affiliations"): Promise<number>;
}

let pgs: Postgres;
const cleanup: Array<() => unknown> = [];
beforeAll(async () => {
  pgs = await startPostgres();
});
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
  await pgs?.stop();
});
let dbs = 0;

const memories = new Map<string, MemoryStore>();
const SUBJECTS: Subject[] = [
  {
    // one store per database: another "connection" to it is the same store
    name: "memory",
    database: async () => {
      const db = `memory-${++dbs}`;
      memories.set(db, new MemoryStore());
      return db;
    },
    open: async (db) => withWrites(memories.get(db)!),
    count: async (db, table) =>
      memories
        .get(db)!
        .load()
        .nodes.reduce((n, node) => n + (table === "items" ? node.items.length : node.affiliations.size), 0),
  },
  {
    name: "SQLite",
    async database() {
      const dir = mkdtempSync(join(tmpdir(), "geo-contract-"));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      return join(dir, "geo.sqlite");
    },
    async open(file) {
      const s = openSqliteStore(file);
      cleanup.push(() => s.close());
      return withWrites(s);
    },
    async count(file, table) {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      } finally {
        db.close();
      }
    },
  },
  {
    name: "PostgreSQL",
    database: () => pgs.createDatabase(`contract_${++dbs}`),
    async open(url) {
      const s = await openPostgresStore(url);
      cleanup.push(() => s.end());
      return withWrites(s);
    },
    async count(url, table) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
      } finally {
        await c.end();
      }
    },
  },
];

/** what was committed is durable (group commit: the batch holding it committed; it rejects if that failed) */
const settle = (s: Store) => (hasGroupCommit(s) ? s.durable() : Promise.resolve());

const CONFIG: NodeConfig = { accessModel: "open", maxItems: 3, title: "", coarseKm: 0, exact: [] };
const item = (id: string, lat = 1): Item => ({
  id,
  publisher: "alice@localhost",
  geoloc: { lat: String(lat), lon: "2", text: "ünï – 🚲" },
  published: 1_700_000_000_000 + lat,
});

describe.each(SUBJECTS)("the $name store", ({ database, open, count }) => {
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
    it("keeps them across a reopen, as temporary, apart from the persistent ones, and drops them with their node", async () => {
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
    });
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
