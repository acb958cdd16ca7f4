// The PostgreSQL store against a private PostgreSQL: migrations and group commit (the writes of a turn in one
// transaction; a failed commit fails the whole batch and hands back the stored state). The service on PostgreSQL
// (acknowledged = committed, failed commits, the server going away, kill -9 of the process):
// store-postgres-service.test.ts. The behaviours every store shares: store-contract.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, NodeConfig } from "../../component/src/core/model.ts";
import { StoreUnavailable } from "../../component/src/core/store.ts";
import { MIGRATIONS, openPostgresStore, type PostgresStore } from "../../component/src/store/postgres.ts";
import { withWrites, type PerWrite } from "../support/store-writes.ts";
import { sql, startPostgres, type Postgres } from "../support/postgres.ts";

let pgs: Postgres;
const cleanup: Array<() => unknown> = [];
let dbs = 0;
const freshDb = () => pgs.createDatabase(`geo_${++dbs}`);

beforeAll(async () => {
  pgs = await startPostgres();
});
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
  await pgs?.stop();
});

async function open(url: string): Promise<PostgresStore & PerWrite> {
  const s = withWrites(await openPostgresStore(url));
  cleanup.push(() => s.end());
  return s;
}

const CONFIG: NodeConfig = { accessModel: "open", maxItems: 3, title: "", coarseKm: 0, exact: [] };
const item = (id: string, lat = 1): Item => ({
  id,
  publisher: "alice@localhost",
  geoloc: { lat: String(lat), lon: "2", text: "ünï – 🚲" },
  published: 1_700_000_000_000 + lat,
});

describe("schema migrations", () => {
  it("creates the schema in an empty database and records its version; opening again changes nothing", async () => {
    const url = await freshDb();
    const s = await open(url);
    expect(s.load()).toEqual({ nodes: [], subscriptions: [] });
    expect((await sql(url, "SELECT version FROM schema_version")).rows).toEqual([{ version: MIGRATIONS.length }]);
    const tables = (await sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map(
      (r) => r.tablename,
    );
    expect(tables).toEqual([
      "affiliations",
      "instances",
      "items",
      "nodes",
      "pending_requests",
      "presence",
      "schema_version",
      "sessions",
      "subscriptions",
      "temp_subscriptions",
    ]);
    await open(url);
    expect((await sql(url, "SELECT count(*)::int AS n FROM schema_version")).rows[0].n).toBe(1);
  });

  it("lets several instances start on one empty database at once", async () => {
    const url = await freshDb();
    const stores = await Promise.all([1, 2, 3, 4].map(() => open(url)));
    expect(stores.every((s) => s.load().nodes.length === 0)).toBe(true);
    expect((await sql(url, "SELECT version FROM schema_version")).rows).toEqual([{ version: MIGRATIONS.length }]);
  });

  it("refuses a database whose schema is newer than the program", async () => {
    const url = await freshDb();
    await open(url);
    await sql(url, "UPDATE schema_version SET version = 99");
    await expect(openPostgresStore(url)).rejects.toThrow(/schema version 99/);
  });
});

describe("group commit on PostgreSQL", () => {
  let url: string, s: PostgresStore & PerWrite;
  beforeAll(async () => {
    url = await freshDb();
    s = await open(url);
  });
  const reload = async () => (await open(url)).load();

  it("commits the writes of one event-loop turn in one transaction", async () => {
    const count = async () =>
      Number(
        (await sql(url, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")).rows[0]
          .xact_commit,
      );
    s.createNode("bulk@localhost", { ...CONFIG, maxItems: 500 });
    await s.durable();
    const before = await count();
    for (let i = 0; i < 200; i++) s.putItem("bulk@localhost", item(`b${i}`, i), 500);
    await s.durable();
    const after = await count();
    // the stats also count this test's own queries (a few per call of count()); 200 transactions would be far more
    expect(after - before).toBeLessThan(10);
    expect((await reload()).nodes.find((n) => n.name === "bulk@localhost")!.items).toHaveLength(200);
  });

  it("fails the whole batch and hands back the touched nodes' stored state when a commit fails", async () => {
    const other = await open(url);
    other.createNode("race@localhost", CONFIG); // another instance created it first
    await other.durable();
    const rolledBack: Array<[string[], number]> = [];
    s.onRollback((names, fresh) => rolledBack.push([names, fresh.nodes.length]));
    s.createNode("race@localhost", CONFIG);
    s.putItem("race@localhost", item("x"), 3);
    s.putItem("bulk@localhost", item("same-batch"), 500);
    const err = await s.durable().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect((err as Error).message).toMatch(/duplicate key/);
    expect(rolledBack).toEqual([[["race@localhost", "bulk@localhost"], 2]]);
    const state = await reload();
    expect(state.nodes.find((n) => n.name === "race@localhost")!.items).toEqual([]);
    expect(state.nodes.find((n) => n.name === "bulk@localhost")!.items.some((i) => i.id === "same-batch")).toBe(false);
    // the next batch works on a fresh connection
    s.putItem("bulk@localhost", item("next"), 500);
    await s.durable();
    expect((await reload()).nodes.find((n) => n.name === "bulk@localhost")!.items.at(-1)!.id).toBe("next");
  });
});
