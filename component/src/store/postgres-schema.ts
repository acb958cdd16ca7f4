// The PostgreSQL schema: its versions, applied in order at start under an advisory lock (several instances may start
// at once). The store itself is store/postgres.ts.
import type pg from "pg";
import { INSTANCES_SQL } from "./postgres-status.ts";

/** Schema versions, applied in order at start under an advisory lock (several instances may start at once). */
export const MIGRATIONS = [
  `CREATE TABLE nodes (name TEXT PRIMARY KEY, access_model TEXT NOT NULL, max_items INTEGER NOT NULL, title TEXT NOT NULL);
   CREATE TABLE items (seq BIGSERIAL PRIMARY KEY, node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE,
     id TEXT NOT NULL, publisher TEXT NOT NULL, geoloc JSON NOT NULL, published BIGINT NOT NULL, UNIQUE (node, id));
   CREATE INDEX items_by_node ON items (node, seq);
   CREATE TABLE affiliations (node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE, jid TEXT NOT NULL,
     affiliation TEXT NOT NULL, PRIMARY KEY (node, jid));
   CREATE TABLE subscriptions (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, PRIMARY KEY (node, jid));`,
  // 2: coarse sharing: grid size in km, 0 = precise
  `ALTER TABLE nodes ADD COLUMN coarse_km DOUBLE PRECISION NOT NULL DEFAULT 0;`,
  // 3: publishers' presence, written by the instance that owns the publisher, read by any (core/shared-read.ts)
  `CREATE TABLE presence (jid TEXT PRIMARY KEY, online BOOLEAN NOT NULL, show TEXT, since BIGINT NOT NULL);`,
  // 4: XEP-0060 §12.5 temporary subscriptions, held by the instance owning the viewer's slot (`instance`), so that
  // the publishers' instances fan out to them too; an instance that takes over a dead one's slot adopts its rows
  `CREATE TABLE temp_subscriptions (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, instance TEXT NOT NULL,
     PRIMARY KEY (node, jid));`,
  // 5: precision per viewer: geo#exact, the bare JIDs that see the exact fix, separated by spaces
  `ALTER TABLE nodes ADD COLUMN exact TEXT NOT NULL DEFAULT '';`,
  // 6: geo#share_until: epoch ms, NULL = no end
  `ALTER TABLE nodes ADD COLUMN share_until BIGINT;`,
  // 7: XEP-0060 §6.3 subscription options (core/sub-options.ts); NULL = the defaults
  `ALTER TABLE subscriptions ADD COLUMN options JSON; ALTER TABLE temp_subscriptions ADD COLUMN options JSON;`,
  // 8: available full JIDs, written by the instance serving the user; asked by an instance that takes a slot, since
  // a lost ejabberd node's sessions end without unavailable presence (xmpp/sessions.ts)
  `CREATE TABLE sessions (jid TEXT PRIMARY KEY, since BIGINT NOT NULL);`,
  // 9: XEP-0060 §8.6 subscription requests waiting for the owner: kept across restarts, and the owner's answer may
  // reach another instance than the viewer's request (NOTIFY geo_pending)
  `CREATE TABLE pending_requests (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, PRIMARY KEY (node, jid));`,
  // 10: each slot holder's heartbeat, for the operator's --status (store/postgres-status.ts)
  INSTANCES_SQL,
];
const MIGRATION_LOCK = 0x67656f00; // "geo\0": pg_advisory_xact_lock key of schema migrations

export async function migrate(client: pg.ClientBase): Promise<number> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const r = await client.query<{ version: number }>("SELECT version FROM schema_version");
    if (!r.rows.length) await client.query("INSERT INTO schema_version (version) VALUES (0)");
    const from = r.rows[0]?.version ?? 0;
    if (from > MIGRATIONS.length) throw new Error(`the database has schema version ${from}, newer than this program's ${MIGRATIONS.length}`);
    for (let v = from; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]);
    await client.query("UPDATE schema_version SET version = $1", [MIGRATIONS.length]);
    await client.query("COMMIT");
    return MIGRATIONS.length;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}
