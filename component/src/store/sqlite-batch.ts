// Group commit for the embedded store (store/sqlite.ts), behind the same GroupCommit port as PostgreSQL's.
//
// A COMMIT costs far less per write when it carries many: profiled at fan-out 1 with 20 publishes in flight,
// BEGIN + COMMIT took ~20% of the component's busy time with one per publish, ~6% with one per event-loop turn
// (~7 publishes each). So the writes of one turn share one transaction: the first write opens it (BEGIN IMMEDIATE)
// and schedules its COMMIT after the turn's handlers ran (setImmediate). Writes still execute at once, on the one
// connection, so a constraint or a lock is reported to the core synchronously as before; each commit(changes) runs in
// its own SAVEPOINT, so a failed one is undone alone (all of its changes) and the batch keeps the others. The shell
// (xmpp/iq.ts, xmpp/gate.ts) holds replies and notifications until durable()
// settles: an acknowledged write is committed (synchronous=NORMAL in WAL: it survives the process being killed)
// before its ack leaves.
//
// BEGIN IMMEDIATE takes the write lock when the batch opens, waiting up to the busy timeout for another
// connection: if it cannot be had, no batch is opened and only that write fails (the next one tries again).
//
// A failed batch (its COMMIT failed, or SQLite rolled the whole transaction back by itself after an I/O error,
// SQLITE_FULL or SQLITE_NOMEM in a statement) loses every write in it while memory holds them: the listeners of
// onRollback get the stored state of the nodes it touched, then its durable() promise rejects. That state is read
// back from the database. The error that failed a commit often fails reads too (an ext4 file system shut down on
// an error refuses both: test/integration/faults-storage.test.ts), so each node's state is also taken from
// `current` (memory, which equals the stored state until the core writes: it writes durable first) at the batch's
// first write to it, and used when reading back fails.
import type Database from "better-sqlite3";
import type { GroupCommit } from "../core/group-commit.ts";
import { StoreUnavailable, type StoredState } from "../core/store.ts";
import { TurnBatches, type Batch } from "./turn-batch.ts";

interface SqliteBatch extends Batch {
  /** the batch deleted rows: erase them from the WAL after the commit (store/sqlite.ts) */
  erase: boolean;
  settled: boolean;
}

export interface Batches extends Omit<GroupCommit, "end"> {
  /** runs `writes` in a savepoint of the open batch (opening one first); `nodes`: the node names they change */
  write<T>(nodes: readonly string[], writes: () => T): T;
  /** the open batch deleted rows (called after a successful delete) */
  erased(): void;
  /** commits the open batch now (close) */
  flush(): void;
}

export function batches(
  db: Database.Database,
  readBack: (names: string[]) => StoredState,
  checkpoint: () => void,
): Batches {
  const sql = {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    savepoint: db.prepare("SAVEPOINT w"),
    release: db.prepare("RELEASE w"),
    undo: db.prepare("ROLLBACK TO w"),
  };
  // BEGIN IMMEDIATE: SQLITE_BUSY after the busy timeout: no batch, this write fails
  const turns = new TurnBatches<SqliteBatch>((b) => {
    sql.begin.run();
    return { ...b, erase: false, settled: false };
  }, finish);
  let current: ((name: string) => StoredState) | undefined;
  const nothingPending = Promise.resolve();

  function finish(b: SqliteBatch): void {
    try {
      sql.commit.run();
    } catch (e) {
      failed(b, e);
      return;
    }
    b.settled = true;
    if (b.erase) checkpoint();
    b.resolve();
  }

  function stateBefore(b: SqliteBatch, names: string[]): StoredState | undefined {
    try {
      return readBack(names);
    } catch {
      /* the storage cannot be read either: what memory held at the first write */
    }
    const fresh: StoredState = { nodes: [], subscriptions: [] };
    for (const s of b.touched.values()) {
      if (!s) return undefined; // no `current` was given (a store used without the shell)
      fresh.nodes.push(...s.nodes);
      fresh.subscriptions.push(...s.subscriptions);
    }
    return fresh;
  }

  function failed(b: SqliteBatch, e: unknown): void {
    if (b.settled) return;
    b.settled = true;
    turns.close(b);
    if (db.inTransaction) {
      try {
        sql.rollback.run();
      } catch {
        /* SQLite rolls back what it could not commit */
      }
    }
    const names = [...b.touched.keys()];
    const fresh = names.length ? stateBefore(b, names) : undefined;
    if (fresh) turns.rolledBack(names, fresh);
    const reason = e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
    b.reject(new StoreUnavailable(reason, { cause: e }));
  }

  function write<T>(nodes: readonly string[], writes: () => T): T {
    const b = turns.current();
    for (const node of nodes) if (!b.touched.has(node)) b.touched.set(node, current?.(node));
    turns.recorded++;
    sql.savepoint.run();
    try {
      const r = writes();
      sql.release.run();
      return r;
    } catch (e) {
      if (db.inTransaction) {
        try {
          sql.undo.run();
          sql.release.run();
        } catch {
          /* checked below */
        }
      }
      // SQLite rolled the whole transaction back: the batch's earlier writes are gone too
      if (!db.inTransaction) failed(b, e);
      throw e;
    }
  }

  return {
    write,
    erased() {
      if (turns.open) turns.open.erase = true;
    },
    flush() {
      const b = turns.open;
      if (b && turns.close(b)) finish(b);
    },
    get recorded() {
      return turns.recorded;
    },
    durable: () => turns.open?.done ?? nothingPending,
    onRollback: turns.onRollback,
    rememberFrom(c) {
      current = c;
    },
  };
}
