// The embedded store: SQLite through better-sqlite3. Writes run at once; the writes of one event-loop turn are
// committed together (group commit, store/sqlite-batch.ts), before the shell lets any reply or notification out.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { GroupCommit } from "../core/group-commit.ts";
import type { Change } from "../core/changes.ts";
import { StoreUnavailable, type Store } from "../core/store.ts";
import { SQLITE } from "./dialect.ts";
import { stateOf, type Rows } from "./rows.ts";
import { batches } from "./sqlite-batch.ts";
import { erases, nodeOf, readStatements, writesOf, writeStatements, type ReadKey } from "./statements.ts";
import { perWrite } from "./writes.ts";

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

  const statements = writeStatements(SQLITE);
  const prepared = new Map<string, Database.Statement>();
  const prepare = (text: string) => {
    let st = prepared.get(text);
    if (!st) prepared.set(text, (st = db.prepare(text)));
    return st;
  };
  const reads = { all: readStatements(SQLITE, false), named: readStatements(SQLITE, true) };
  /** the rows of `keys`, of every node or (`names`) of those */
  const read = (keys: readonly ReadKey[], names?: readonly string[]): Rows => Object.fromEntries(keys.map((k) =>
    [k, prepare((names ? reads.named : reads.all)[k].text).all(...(names ? [SQLITE.listValue(names)] : []))]));
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
  // as before the failed batch: nodes and persistent subscriptions (what State.restore puts back)
  const readBack = (names: string[]) => stateOf(read(["nodes", "affiliations", "items", "subscriptions"], names), SQLITE);
  const batch = batches(db, readBack, checkpoint);
  // one savepoint of the open batch (store/sqlite-batch.ts): all of the changes, or none
  const commit = (changes: readonly Change[]) => {
    const kept = changes.filter((c) => !SQLITE.ignores.has(c.kind));
    if (!kept.length) return;
    guarded(() => {
      batch.write(kept.flatMap((c) => nodeOf(c) ?? []), () => {
        for (const c of kept) for (const w of writesOf(SQLITE, statements, c)) prepare(statements[w.key].text).run(...w.values);
      });
      if (kept.some(erases)) batch.erased();
    });
  };
  const end = () => {
    if (!db.open) return;
    batch.flush();
    db.close();
  };

  return {
    load: () => stateOf(read(["nodes", "affiliations", "items", "subscriptions", "temporary", "pending"]), SQLITE),
    commit(changes?: readonly Change[]) {
      if (changes) commit(changes);
      return batch.commit();
    },
    ...perWrite(commit),
    atomically: (writes) => guarded(() => batch.write([], writes)),
    get recorded() { return batch.recorded; },
    onRollback: batch.onRollback,
    rememberFrom: batch.rememberFrom,
    close: end,
    end: async () => end(),
  };
}
