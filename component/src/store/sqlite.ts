// The embedded store: SQLite through better-sqlite3. Writes run at once; the writes of one event-loop turn are
// committed together (group commit, store/sqlite-batch.ts), before the shell lets any reply or notification out.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { GroupCommit } from "../core/group-commit.ts";
import type { PersonalNode, Subscription } from "../core/model.ts";
import { StoreUnavailable, type Store, type StoredState } from "../core/store.ts";
import { CONFIG_COLUMNS, configOf, configValues, NODE_COLUMNS } from "./config-columns.ts";
import { batches } from "./sqlite-batch.ts";

const MIGRATIONS = [
  `CREATE TABLE nodes (name TEXT PRIMARY KEY, access_model TEXT NOT NULL, max_items INTEGER NOT NULL, title TEXT NOT NULL);
   CREATE TABLE items (seq INTEGER PRIMARY KEY AUTOINCREMENT, node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE,
     id TEXT NOT NULL, publisher TEXT NOT NULL, geoloc TEXT NOT NULL, published INTEGER NOT NULL, UNIQUE (node, id));
   CREATE INDEX items_by_node ON items (node, seq);
   CREATE TABLE affiliations (node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE, jid TEXT NOT NULL,
     affiliation TEXT NOT NULL, PRIMARY KEY (node, jid));
   CREATE TABLE subscriptions (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, PRIMARY KEY (node, jid));`,
  // coarse sharing: grid size in km, 0 = precise
  `ALTER TABLE nodes ADD COLUMN coarse_km REAL NOT NULL DEFAULT 0;`,
  // XEP-0060 §12.5 temporary subscriptions: kept across a restart of the service, then confirmed with the viewer's
  // session (xmpp/confirm.ts) or ended, so a map whose tab is still open keeps receiving; options as below
  `CREATE TABLE temp_subscriptions (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, options TEXT, PRIMARY KEY (node, jid));`,
  // precision per viewer: geo#exact, the bare JIDs that see the exact fix, separated by spaces
  `ALTER TABLE nodes ADD COLUMN exact TEXT NOT NULL DEFAULT '';`,
  // geo#share_until: epoch ms, NULL = no end
  `ALTER TABLE nodes ADD COLUMN share_until INTEGER;`,
  // XEP-0060 §6.3 subscription options as JSON (core/sub-options.ts); NULL = the defaults
  `ALTER TABLE subscriptions ADD COLUMN options TEXT;`,
  // XEP-0060 §8.6 subscription requests waiting for the owner: a restart keeps them
  `CREATE TABLE pending_requests (node TEXT NOT NULL, jid TEXT NOT NULL, subid TEXT NOT NULL, PRIMARY KEY (node, jid));`,
];

export interface SqliteOptions {
  /**
   * How long a write waits for another connection's lock (SQLITE_BUSY) before failing. The wait blocks the event
   * loop (better-sqlite3 is synchronous), so every viewer stalls with it: keep it short.
   */
  busyTimeoutMs?: number;
}

/** SQLite's own failures (SQLITE_BUSY, SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR...) become StoreUnavailable. */
function guarded<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Database.SqliteError) throw new StoreUnavailable(`${e.code}: ${e.message}`, { cause: e });
    throw e;
  }
}

type Row = Record<string, string & number>;

/** Rows of the tables (items in seq order) as the core's values. */
function rowsToState(nodeRows: unknown[], affiliationRows: unknown[], itemRows: unknown[], subscriptionRows: unknown[], temporaryRows: unknown[] = []): StoredState {
  const nodes = new Map<string, PersonalNode>();
  for (const r of nodeRows as Row[]) {
    nodes.set(r.name, { name: r.name, config: configOf(r), affiliations: new Map(), items: [] });
  }
  for (const r of affiliationRows as Row[]) nodes.get(r.node)?.affiliations.set(r.jid, r.affiliation as "publisher" | "member" | "outcast");
  for (const r of itemRows as Row[]) {
    nodes.get(r.node)?.items.push({ id: r.id, publisher: r.publisher, geoloc: JSON.parse(r.geoloc), published: r.published });
  }
  const sub = (r: Row, temporary: boolean): Subscription => ({ node: r.node, jid: r.jid, subid: r.subid, temporary, ...(r.options ? { options: JSON.parse(r.options) } : {}) });
  const subscriptions = [...(subscriptionRows as Row[]).map((r) => sub(r, false)), ...(temporaryRows as Row[]).map((r) => sub(r, true))];
  return { nodes: [...nodes.values()], subscriptions };
}

export function openSqliteStore(file: string, opts: SqliteOptions = {}): Store & GroupCommit {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 1000 });
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: a committed transaction survives the process being killed (not a power loss).
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Location is sensitive: deleted rows are overwritten with zeros, not left in free pages.
  db.pragma("secure_delete = ON");
  const version = db.pragma("user_version", { simple: true }) as number;
  db.transaction(() => {
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();

  const q = {
    createNode: db.prepare(`INSERT INTO nodes (${NODE_COLUMNS}) VALUES (${["name", ...CONFIG_COLUMNS].map(() => "?").join(", ")})`),
    saveConfig: db.prepare(`UPDATE nodes SET ${CONFIG_COLUMNS.map((c) => `${c} = ?`).join(", ")} WHERE name = ?`),
    setAffiliation: db.prepare("INSERT OR REPLACE INTO affiliations (node, jid, affiliation) VALUES (?, ?, ?)"),
    removeAffiliation: db.prepare("DELETE FROM affiliations WHERE node = ? AND jid = ?"),
    putItem: db.prepare("INSERT OR REPLACE INTO items (node, id, publisher, geoloc, published) VALUES (?, ?, ?, ?, ?)"),
    trim: db.prepare("DELETE FROM items WHERE node = ? AND seq <= (SELECT seq FROM items WHERE node = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)"),
    deleteItem: db.prepare("DELETE FROM items WHERE node = ? AND id = ?"),
    purge: db.prepare("DELETE FROM items WHERE node = ?"),
    deleteNode: db.prepare("DELETE FROM nodes WHERE name = ?"),
    deleteNodeSubs: db.prepare("DELETE FROM subscriptions WHERE node = ?"),
    addSubscription: db.prepare("INSERT OR REPLACE INTO subscriptions (node, jid, subid, options) VALUES (?, ?, ?, ?)"),
    removeSubscription: db.prepare("DELETE FROM subscriptions WHERE node = ? AND jid = ?"),
    addTemporary: db.prepare("INSERT OR REPLACE INTO temp_subscriptions (node, jid, subid, options) VALUES (?, ?, ?, ?)"),
    removeTemporary: db.prepare("DELETE FROM temp_subscriptions WHERE node = ? AND jid = ?"),
    deleteNodeTemporary: db.prepare("DELETE FROM temp_subscriptions WHERE node = ?"),
    addPending: db.prepare("INSERT OR REPLACE INTO pending_requests (node, jid, subid) VALUES (?, ?, ?)"),
    removePending: db.prepare("DELETE FROM pending_requests WHERE node = ? AND jid = ?"),
    deleteNodePending: db.prepare("DELETE FROM pending_requests WHERE node = ?"),
  };
  // Erasure: secure_delete zeroes the deleted rows in the pages it writes, but those pages go to the WAL first and
  // older WAL frames still hold the rows as they were. A TRUNCATE checkpoint copies the zeroed pages into the
  // database file and empties the WAL, so the deleted history is in neither file afterwards. It runs after the
  // batch's COMMIT: inside the open transaction SQLite refuses it (SQLITE_LOCKED), and before the commit the zeroed
  // pages are not in the WAL yet. A checkpoint that fails after the commit is not a failed write: the next one (or
  // SQLite's automatic checkpoint) finishes the job.
  const checkpoint = () => {
    try {
      if (file !== ":memory:") db.pragma("wal_checkpoint(TRUNCATE)");
    } catch { /* see above */ }
  };
  const by = {
    node: db.prepare(`SELECT ${NODE_COLUMNS} FROM nodes WHERE name = ?`),
    affiliations: db.prepare("SELECT node, jid, affiliation FROM affiliations WHERE node = ?"),
    items: db.prepare("SELECT node, id, publisher, geoloc, published FROM items WHERE node = ? ORDER BY seq"),
    subscriptions: db.prepare("SELECT node, jid, subid, options FROM subscriptions WHERE node = ?"),
  };
  const readBack = (names: string[]) => rowsToState(
    names.flatMap((n) => by.node.all(n)), names.flatMap((n) => by.affiliations.all(n)),
    names.flatMap((n) => by.items.all(n)), names.flatMap((n) => by.subscriptions.all(n)));
  const batch = batches(db, readBack, checkpoint);
  // each write is one savepoint of the open batch (store/sqlite-batch.ts): done entirely, or not at all
  const write = (node: string, f: () => unknown, erases = false) => guarded(() => {
    batch.write(node, f);
    if (erases) batch.erased();
  });
  const end = () => {
    if (!db.open) return;
    batch.flush();
    db.close();
  };

  return {
    load: () => ({ ...rowsToState(
      db.prepare(`SELECT ${NODE_COLUMNS} FROM nodes`).all(),
      db.prepare("SELECT node, jid, affiliation FROM affiliations").all(),
      db.prepare("SELECT node, id, publisher, geoloc, published FROM items ORDER BY seq").all(),
      db.prepare("SELECT node, jid, subid, options FROM subscriptions").all(),
      db.prepare("SELECT node, jid, subid, options FROM temp_subscriptions").all()),
      pending: db.prepare("SELECT node, jid, subid FROM pending_requests").all() as Array<{ node: string; jid: string; subid: string }> }),
    createNode: (name, c) => write(name, () => q.createNode.run(name, ...configValues(c))),
    saveConfig: (name, c) => write(name, () => q.saveConfig.run(...configValues(c), name)),
    setAffiliation: (node, jid, a) => write(node, () => (a === "none" ? q.removeAffiliation.run(node, jid) : q.setAffiliation.run(node, jid, a))),
    putItem: (node, item, maxItems) => write(node, () => {
      q.putItem.run(node, item.id, item.publisher, JSON.stringify(item.geoloc), item.published);
      q.trim.run(node, node, maxItems);
    }),
    deleteItems: (node, ids) => write(node, () => { for (const id of ids) q.deleteItem.run(node, id); }, true),
    trim: (node, maxItems) => write(node, () => q.trim.run(node, node, maxItems)),
    purge: (node) => write(node, () => q.purge.run(node), true),
    deleteNode: (node) => write(node, () => { q.deleteNode.run(node); q.deleteNodeSubs.run(node); q.deleteNodeTemporary.run(node); q.deleteNodePending.run(node); }, true),
    addSubscription: (s) => write(s.node, () => q.addSubscription.run(s.node, s.jid, s.subid, s.options ? JSON.stringify(s.options) : null)),
    removeSubscription: (node, jid) => write(node, () => q.removeSubscription.run(node, jid)),
    addTemporarySubscription: (s) => write(s.node, () => q.addTemporary.run(s.node, s.jid, s.subid, s.options ? JSON.stringify(s.options) : null)),
    removeTemporarySubscription: (node, jid) => write(node, () => q.removeTemporary.run(node, jid)),
    addPendingRequest: (r) => write(r.node, () => q.addPending.run(r.node, r.jid, r.subid)),
    removePendingRequest: (node, jid) => write(node, () => q.removePending.run(node, jid)),
    atomically: (writes) => guarded(() => batch.write(undefined, writes)),
    get recorded() { return batch.recorded; },
    commit: batch.commit,
    onRollback: batch.onRollback,
    rememberFrom: batch.rememberFrom,
    close: end,
    end: async () => end(),
  };
}
