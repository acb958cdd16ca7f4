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
import { migrateSqlite } from "./schema.ts";
import { batches } from "./sqlite-batch.ts";
import { erases, nodeOf, readStatements, writesOf, writeStatements, type ReadKey } from "./statements.ts";

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
  migrateSqlite(db);

  const statements = writeStatements(SQLITE);
  // prepared at first use: the statements of kinds SQLite does not keep name tables it does not have
  const prepared = new Map<string, Database.Statement>();
  const prepare = (text: string) => {
    let st = prepared.get(text);
    if (!st) prepared.set(text, (st = db.prepare(text)));
    return st;
  };
  const kept = (c: Change) => !SQLITE.ignores.has(c.kind);
  const reads = { all: readStatements(SQLITE, false), named: readStatements(SQLITE, true) };
  /** the rows of `keys`, of every node or (`names`) of those */
  const read = (keys: readonly ReadKey[], names?: readonly string[]): Rows =>
    Object.fromEntries(
      keys.map((k) => [
        k,
        prepare((names ? reads.named : reads.all)[k].text).all(...(names ? [SQLITE.listValue(names)] : [])),
      ]),
    );
  // Erasure: secure_delete zeroes the deleted rows in the pages it writes, but those pages go to the WAL first and
  // older WAL frames still hold the rows as they were. A TRUNCATE checkpoint copies the zeroed pages into the
  // database file and empties the WAL, so the deleted history is in neither file afterwards. It runs after the
  // batch's COMMIT: inside the open transaction SQLite refuses it (SQLITE_LOCKED), and before the commit the zeroed
  // pages are not in the WAL yet. A checkpoint that fails after the commit is not a failed write: the next one (or
  // SQLite's automatic checkpoint) finishes the job.
  const checkpoint = () => {
    try {
      if (file !== ":memory:") db.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      /* see above */
    }
  };
  // as before the failed batch: nodes and persistent subscriptions (what State.restore puts back)
  const readBack = (names: string[]) =>
    stateOf(read(["nodes", "affiliations", "items", "subscriptions"], names), SQLITE);
  const batch = batches(db, readBack, checkpoint);
  // one savepoint of the open batch (store/sqlite-batch.ts): all of the changes, or none
  const commit = (all: readonly Change[]) => {
    const changes = all.every(kept) ? all : all.filter(kept);
    if (!changes.length) return;
    const nodes: string[] = [];
    for (const c of changes) {
      const node = nodeOf(c);
      if (node !== undefined) nodes.push(node);
    }
    guarded(() => {
      batch.write(nodes, () => {
        for (const c of changes)
          for (const w of writesOf(SQLITE, statements, c)) prepare(statements[w.key].text).run(...w.values);
      });
      if (changes.some(erases)) batch.erased();
    });
  };
  const end = () => {
    if (!db.open) return;
    batch.flush();
    db.close();
  };

  return {
    load: () => stateOf(read(["nodes", "affiliations", "items", "subscriptions", "temporary", "pending"]), SQLITE),
    commit,
    durable: batch.durable,
    get recorded() {
      return batch.recorded;
    },
    onRollback: batch.onRollback,
    rememberFrom: batch.rememberFrom,
    close: end,
    end: async () => end(),
  };
}
