// The stores the store contract runs against (test/integration/store-contract*.test.ts): memory (the reference,
// core/memory-store.ts), SQLite and PostgreSQL (a private server: test/support/postgres.ts), with what their tests
// share.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { hasGroupCommit } from "../../component/src/core/group-commit.ts";
import type { Item, NodeConfig } from "../../component/src/core/model.ts";
import type { Store } from "../../component/src/core/store.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";
import { openPostgresStore } from "../../component/src/store/postgres.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { startPostgres, type Postgres } from "./postgres.ts";
import { withWrites, type PerWrite } from "./store-writes.ts";

/** A kind of store: databases to open stores on (several stores on one database see each other's commits). */
export interface Subject {
  name: string;
  database(): Promise<string>;
  open(db: string): Promise<Store & PerWrite>;
  /** the rows of a table the database holds */
  count(db: string, table: "items" | "affiliations"): Promise<number>;
}

let pgs: Postgres | undefined;
const cleanup: Array<() => unknown> = [];
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
    database: () => pgs!.createDatabase(`contract_${++dbs}`),
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

/** The stores for describe.each; called at the top of a test file: PostgreSQL runs for the file's tests, and every
 * database and store opened is removed after them. */
export function storeSubjects(): Subject[] {
  beforeAll(async () => {
    pgs = await startPostgres();
  });
  afterAll(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
    await pgs?.stop();
    pgs = undefined;
  });
  return SUBJECTS;
}

/** what was committed is durable (group commit: the batch holding it committed; it rejects if that failed) */
export const settle = (s: Store) => (hasGroupCommit(s) ? s.durable() : Promise.resolve());

export const CONFIG: NodeConfig = { accessModel: "open", maxItems: 3, title: "", coarseKm: 0, exact: [] };
export const item = (id: string, lat = 1): Item => ({
  id,
  publisher: "alice@localhost",
  geoloc: { lat: String(lat), lon: "2", text: "ünï – 🚲" },
  published: 1_700_000_000_000 + lat,
});
