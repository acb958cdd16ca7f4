// The embedded store: SQLite through better-sqlite3 (synchronous, so a write is committed before the reply).
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Item, NodeConfig, PersonalNode, Subscription } from "../core/model.ts";
import { StoreUnavailable, type Store, type StoredState } from "../core/store.ts";

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
];

export interface SqliteOptions {
  /**
   * How long a write waits for another connection's lock (SQLITE_BUSY) before failing. The wait blocks the event
   * loop (better-sqlite3 is synchronous), so every viewer stalls with it: keep it short.
   */
  busyTimeoutMs?: number;
}

/** SQLite's own failures (SQLITE_BUSY, SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR...) become StoreUnavailable. */
function guarded<A extends unknown[], T>(f: (...a: A) => T): (...a: A) => T {
  return (...a) => {
    try {
      return f(...a);
    } catch (e) {
      if (e instanceof Database.SqliteError) throw new StoreUnavailable(`${e.code}: ${e.message}`, { cause: e });
      throw e;
    }
  };
}

export function openSqliteStore(file: string, opts: SqliteOptions = {}): Store {
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
    createNode: db.prepare("INSERT INTO nodes (name, access_model, max_items, title, coarse_km) VALUES (?, ?, ?, ?, ?)"),
    saveConfig: db.prepare("UPDATE nodes SET access_model = ?, max_items = ?, title = ?, coarse_km = ? WHERE name = ?"),
    setAffiliation: db.prepare("INSERT OR REPLACE INTO affiliations (node, jid, affiliation) VALUES (?, ?, ?)"),
    removeAffiliation: db.prepare("DELETE FROM affiliations WHERE node = ? AND jid = ?"),
    putItem: db.prepare("INSERT OR REPLACE INTO items (node, id, publisher, geoloc, published) VALUES (?, ?, ?, ?, ?)"),
    trim: db.prepare("DELETE FROM items WHERE node = ? AND seq <= (SELECT seq FROM items WHERE node = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)"),
    deleteItem: db.prepare("DELETE FROM items WHERE node = ? AND id = ?"),
    purge: db.prepare("DELETE FROM items WHERE node = ?"),
    deleteNode: db.prepare("DELETE FROM nodes WHERE name = ?"),
    deleteNodeSubs: db.prepare("DELETE FROM subscriptions WHERE node = ?"),
    addSubscription: db.prepare("INSERT OR REPLACE INTO subscriptions (node, jid, subid) VALUES (?, ?, ?)"),
    removeSubscription: db.prepare("DELETE FROM subscriptions WHERE node = ? AND jid = ?"),
  };
  const putItem = db.transaction((node: string, item: Item, maxItems: number) => {
    q.putItem.run(node, item.id, item.publisher, JSON.stringify(item.geoloc), item.published);
    q.trim.run(node, node, maxItems);
  });
  const deleteItems = db.transaction((node: string, ids: string[]) => { for (const id of ids) q.deleteItem.run(node, id); });
  const deleteNode = db.transaction((node: string) => { q.deleteNode.run(node); q.deleteNodeSubs.run(node); });

  // Erasure: secure_delete zeroes the deleted rows in the pages it writes, but those pages go to the WAL first and
  // older WAL frames still hold the rows as they were. A TRUNCATE checkpoint copies the zeroed pages into the
  // database file and empties the WAL, so the deleted history is in neither file afterwards. Inside a transaction
  // it waits for the commit. A checkpoint that fails after the commit is not a failed write: the next one (or
  // SQLite's automatic checkpoint) finishes the job.
  let depth = 0;
  let eraseDue = false;
  const checkpoint = () => {
    eraseDue = false;
    try {
      if (file !== ":memory:") db.pragma("wal_checkpoint(TRUNCATE)");
    } catch { /* see above */ }
  };
  const erase = () => {
    if (depth > 0) eraseDue = true;
    else checkpoint();
  };
  // one transaction function, made once: db.transaction() prepares its BEGIN/COMMIT/ROLLBACK statements each call
  const transaction = db.transaction((writes: () => unknown) => writes());
  const atomically = <T>(writes: () => T): T => {
    depth++;
    try {
      return transaction(writes) as T;
    } finally {
      if (--depth === 0 && eraseDue) checkpoint();
    }
  };

  return {
    load(): StoredState {
      const nodes = new Map<string, PersonalNode>();
      for (const r of db.prepare("SELECT name, access_model, max_items, title, coarse_km FROM nodes").all() as Array<Record<string, string & number>>) {
        nodes.set(r.name, { name: r.name, config: { accessModel: r.access_model as NodeConfig["accessModel"], maxItems: r.max_items, title: r.title, coarseKm: r.coarse_km }, affiliations: new Map(), items: [] });
      }
      for (const r of db.prepare("SELECT node, jid, affiliation FROM affiliations").all() as Array<Record<string, string>>) {
        nodes.get(r.node)?.affiliations.set(r.jid, r.affiliation as "publisher" | "member" | "outcast");
      }
      for (const r of db.prepare("SELECT node, id, publisher, geoloc, published FROM items ORDER BY seq").all() as Array<Record<string, string & number>>) {
        nodes.get(r.node)?.items.push({ id: r.id, publisher: r.publisher, geoloc: JSON.parse(r.geoloc), published: r.published });
      }
      const subscriptions: Subscription[] = (db.prepare("SELECT node, jid, subid FROM subscriptions").all() as Array<Record<string, string>>)
        .map((r) => ({ node: r.node, jid: r.jid, subid: r.subid, temporary: false }));
      return { nodes: [...nodes.values()], subscriptions };
    },
    createNode: guarded((name, c) => void q.createNode.run(name, c.accessModel, c.maxItems, c.title, c.coarseKm)),
    saveConfig: guarded((name, c) => void q.saveConfig.run(c.accessModel, c.maxItems, c.title, c.coarseKm, name)),
    setAffiliation: guarded((node, jid, a) => void (a === "none" ? q.removeAffiliation.run(node, jid) : q.setAffiliation.run(node, jid, a))),
    putItem: guarded((node, item, maxItems) => putItem(node, item, maxItems)),
    deleteItems: guarded((node, ids) => { deleteItems(node, ids); erase(); }),
    trim: guarded((node, maxItems) => void q.trim.run(node, node, maxItems)),
    purge: guarded((node) => { q.purge.run(node); erase(); }),
    deleteNode: guarded((node) => { deleteNode(node); erase(); }),
    addSubscription: guarded((s) => void q.addSubscription.run(s.node, s.jid, s.subid)),
    removeSubscription: guarded((node, jid) => void q.removeSubscription.run(node, jid)),
    atomically: guarded(atomically),
    close: () => db.close(),
  };
}
