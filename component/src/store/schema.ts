// The schema of both SQL stores: each database's migrations, applied in order (a deployed database has run a prefix
// of its list: the lists only grow; a deployed database records how many it ran, not their text, so white space in
// a statement may change). What the two have in common is written once over the dialect.
import type Database from "better-sqlite3";
import type pg from "pg";
import { POSTGRES, SQLITE, type Dialect } from "./dialect.ts";
import { INSTANCES_SQL } from "./postgres-status.ts";

const common = ({ types }: Dialect) => ({
  tables: `CREATE TABLE nodes (name TEXT PRIMARY KEY, access_model TEXT NOT NULL, max_items INTEGER NOT NULL,
     title TEXT NOT NULL);
   CREATE TABLE items (seq ${types.seq}, node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE,
     id TEXT NOT NULL, publisher TEXT NOT NULL, geoloc ${types.json} NOT NULL, published ${types.epochMs} NOT NULL,
     UNIQUE (node, id));
   CREATE INDEX items_by_node ON items (node, seq);
   CREATE TABLE affiliations (node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE, jid TEXT NOT NULL,
     affiliation TEXT NOT NULL, PRIMARY KEY (node, jid));
   CREATE TABLE subscriptions (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, PRIMARY KEY (node, jid));`,
  // coarse sharing: grid size in km, 0 = precise
  coarseKm: `ALTER TABLE nodes ADD COLUMN coarse_km ${types.real} NOT NULL DEFAULT 0;`,
  // precision per viewer: geo#exact, the bare JIDs that see the exact fix, separated by spaces
  exact: `ALTER TABLE nodes ADD COLUMN exact TEXT NOT NULL DEFAULT '';`,
  // geo#share_until: epoch ms, NULL = no end
  shareUntil: `ALTER TABLE nodes ADD COLUMN share_until ${types.epochMs};`,
  // XEP-0060 §8.6 subscription requests waiting for the owner: kept across restarts (and, shared, the owner's
  // answer may reach another instance than the viewer's request: NOTIFY geo_pending)
  pending: `CREATE TABLE pending_requests (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL,
    PRIMARY KEY (node, jid));`,
});

const sqlite = common(SQLITE);
export const SQLITE_MIGRATIONS = [
  sqlite.tables,
  sqlite.coarseKm,
  // XEP-0060 §12.5 temporary subscriptions: kept across a restart of the service, then confirmed with the viewer's
  // session (xmpp/confirm.ts) or ended, so a map whose tab is still open keeps receiving; options as below
  `CREATE TABLE temp_subscriptions (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, options TEXT,
    PRIMARY KEY (node, jid));`,
  sqlite.exact,
  sqlite.shareUntil,
  // XEP-0060 §6.3 subscription options as JSON (core/sub-options.ts); NULL = the defaults
  `ALTER TABLE subscriptions ADD COLUMN options TEXT;`,
  sqlite.pending,
];

const postgres = common(POSTGRES);
export const POSTGRES_MIGRATIONS = [
  postgres.tables,
  postgres.coarseKm,
  // 3: publishers' presence, written by the instance that owns the publisher, read by any (core/shared-read.ts)
  `CREATE TABLE presence (jid TEXT PRIMARY KEY, online BOOLEAN NOT NULL, show TEXT, since BIGINT NOT NULL);`,
  // 4: XEP-0060 §12.5 temporary subscriptions, held by the instance owning the viewer's slot (`instance`), so that
  // the publishers' instances fan out to them too; an instance that takes over a dead one's slot adopts its rows
  `CREATE TABLE temp_subscriptions (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, instance TEXT NOT NULL,
     PRIMARY KEY (node, jid));`,
  postgres.exact,
  postgres.shareUntil,
  // 7: XEP-0060 §6.3 subscription options (core/sub-options.ts); NULL = the defaults
  `ALTER TABLE subscriptions ADD COLUMN options JSON; ALTER TABLE temp_subscriptions ADD COLUMN options JSON;`,
  // 8: available full JIDs, written by the instance serving the user; asked by an instance that takes a slot, since
  // a lost ejabberd node's sessions end without unavailable presence (xmpp/sessions.ts)
  `CREATE TABLE sessions (jid TEXT PRIMARY KEY, since BIGINT NOT NULL);`,
  postgres.pending,
  // 10: each slot holder's heartbeat, for the operator's --status (store/postgres-status.ts)
  INSTANCES_SQL,
];

/** Brings a SQLite database to the newest schema version (its user_version). */
export function migrateSqlite(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  db.transaction(() => {
    for (let v = version; v < SQLITE_MIGRATIONS.length; v++) db.exec(SQLITE_MIGRATIONS[v]);
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
  })();
}

const MIGRATION_LOCK = 0x67656f00; // "geo\0": pg_advisory_xact_lock key of schema migrations

/** Brings a PostgreSQL database to the newest schema version; several instances may start at once. */
export async function migratePostgres(client: pg.ClientBase): Promise<number> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const r = await client.query<{ version: number }>("SELECT version FROM schema_version");
    if (!r.rows.length) await client.query("INSERT INTO schema_version (version) VALUES (0)");
    const from = r.rows[0]?.version ?? 0;
    if (from > POSTGRES_MIGRATIONS.length)
      throw new Error(
        `the database has schema version ${from}, newer than this program's ${POSTGRES_MIGRATIONS.length}`,
      );
    for (let v = from; v < POSTGRES_MIGRATIONS.length; v++) await client.query(POSTGRES_MIGRATIONS[v]);
    await client.query("UPDATE schema_version SET version = $1", [POSTGRES_MIGRATIONS.length]);
    await client.query("COMMIT");
    return POSTGRES_MIGRATIONS.length;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}
