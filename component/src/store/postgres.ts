// The shared store: PostgreSQL (node-postgres), chosen by GEO_DB=postgres://... when several instances serve one
// domain. Same tables and semantics as store/sqlite.ts.
//
// Design: group commit.
// The core's Store port is synchronous and the core changes memory right after a store call returns; PostgreSQL
// answers asynchronously. So here a write method only RECORDS the operation in the open batch (synchronously, it
// cannot fail), and the batch is committed as ONE transaction after the handlers of the current event-loop turn
// ran (setImmediate). Batches commit one after another on one dedicated connection, in the order they were
// recorded. The shell (xmpp/service.ts) holds every IQ reply and every notification until `commit()` - the batch
// holding everything recorded before them - settles, so:
//   - an acknowledged publish is committed (synchronous_commit on: COMMIT returned = durable) before the ack;
//   - viewers never see an event that is not durable, and order is kept (releases follow batch order);
//   - one COMMIT (one WAL flush) serves every publish of a turn: under load the batches grow, the commits do not.
// If a batch fails (connection lost, server down, constraint violated by another instance's write), none of it
// is written. Memory already holds its changes, so before the failure is reported the store reads the touched
// nodes back from PostgreSQL and hands them to `onRollback` (the shell puts them into the core's state); the IQs
// that wrote in that batch are answered like StoreUnavailable from SQLite (resource-constraint, type wait).
// If PostgreSQL is unreachable the reload fails too; those nodes are reloaded after the next successful commit.
// Known limit: a batch recorded after the failed one and touching the same node is committed afterwards while
// its memory changes were replaced by the reload; a rare double fault (failure plus concurrent write to the
// same node in the same milliseconds) that the next reload or restart repairs.
//
// `atomically()` needs nothing more: a whole batch is one transaction. The state is loaded once, before the core
// is built (`openPostgresStore` is async, `load()` returns it); afterwards only other instances' node and
// subscription changes are read (LISTEN/NOTIFY, store/postgres-listen.ts).
// Deleted rows are not overwritten at once as with SQLite's secure_delete; VACUUM reclaims them.
import pg from "pg";
import { randomBytes } from "node:crypto";
import type { GroupCommit } from "../core/group-commit.ts";
import type { Change } from "../core/changes.ts";
import type { Replicated } from "../core/replica.ts";
import type { SharedReads } from "../core/shared-read.ts";
import { StoreUnavailable, type Store, type StoredState } from "../core/store.ts";
import { POSTGRES } from "./dialect.ts";
import { announcementOf, CHANNEL, listen, NOTIFY_SQL } from "./postgres-listen.ts";
import { readView } from "./postgres-read.ts";
import { stateOf, type Rows } from "./rows.ts";
import { nodeOf, readStatements, writesOf, writeStatements, type ReadKey } from "./statements.ts";
import { TurnBatches, type Batch } from "./turn-batch.ts";
import { perWrite } from "./writes.ts";
import { migratePostgres } from "./schema.ts";
import { beat, type Heartbeat } from "./postgres-status.ts";

export { POSTGRES_MIGRATIONS as MIGRATIONS } from "./schema.ts";

type Op = { name: string; text: string; values: unknown[] };
interface PostgresBatch extends Batch { ops: Op[] }

const WRITES = writeStatements(POSTGRES);
const READS = { all: readStatements(POSTGRES, false), named: readStatements(POSTGRES, true) };

/** Nodes (all, or those named) with their affiliations and items, their subscriptions and pending requests. */
export async function readState(db: pg.ClientBase, names?: string[]): Promise<StoredState> {
  const reads = names ? READS.named : READS.all;
  const args = names ? [POSTGRES.listValue(names)] : [];
  const rows: Rows = {};
  for (const k of Object.keys(reads) as ReadKey[]) rows[k] = (await db.query(reads[k].text, args)).rows;
  return stateOf(rows, POSTGRES);
}

export const isPostgresUrl = (db: string) => /^postgres(ql)?:\/\//.test(db);
/** the URL without its password, for logs */
export function redactUrl(url: string): string {
  try { const u = new URL(url); if (u.password) u.password = "***"; return u.toString(); } catch { return "postgres://(unparsable URL)"; }
}

export type PostgresStore = Store & GroupCommit & Replicated & SharedReads & {
  /** this process's id in NOTIFY payloads (its own notifications are ignored) */
  readonly instance: string;
  /** reloads every node and subscription into memory (onRemoteChange "all"), e.g. after taking over a slot */
  resync(): Promise<void>;
  /**
   * Temporary subscriptions held by instances that are gone: "adopt" (taking over a dead instance's slot: its
   * viewers' stanzas now come here) or "drop" (a single instance starting: as before, a restart ends them).
   */
  orphans(mode: "adopt" | "drop"): Promise<number>;
  /** every full JID some instance saw come online and not go (xmpp/sessions.ts) */
  sessions(): Promise<string[]>;
  /** this instance's heartbeat row for --status (store/postgres-status.ts) */
  heartbeat(h: Omit<Heartbeat, "id" | "lastCommit">): Promise<void>;
};

/** Connects, migrates, loads; the returned store's load() is that snapshot. Throws if PostgreSQL is unreachable. */
export async function openPostgresStore(url: string, opts: { log?: (line: string) => void } = {}): Promise<PostgresStore> {
  const log = opts.log ?? (() => {});
  // one connection for writes (batches are serial on it), one for reloads after a failed batch, one for reading
  // other instances' changes (store/postgres-listen.ts), plus the listening connection of its own
  const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 5000, application_name: "geo-presence" });
  pool.on("error", (e) => log(`error: PostgreSQL connection: ${e.message}`));
  // the pool listens for errors of idle clients only; a checked-out client between two queries (a batch, a
  // reload, a read) that loses its server (PostgreSQL stopping: 57P01) would otherwise throw an uncaught 'error'.
  // The failure still reaches the caller through the next query's rejection.
  pool.on("connect", (client) => client.on("error", () => {}));
  const instance = randomBytes(6).toString("hex");
  const readAll = async (names?: string[]) => {
    const c = await pool.connect();
    try { return await readState(c, names); } finally { c.release(); }
  };
  const first = await pool.connect();
  try {
    await migratePostgres(first);
  } finally {
    first.release();
  }
  // LISTEN before the snapshot: a change committed in between is in both (applying it twice is harmless)
  const listener = await listen(url, instance, pool, readAll, log);
  let snapshot: StoredState;
  try {
    snapshot = await readAll();
  } catch (e) {
    await listener.end();
    throw e;
  }

  let chain: Promise<void> = Promise.resolve(); // the last batch's commit (never rejects: failures go to batch.done)
  let lastCommit: number | undefined;
  // batches commit one after another on the chain, in the order they were recorded
  const turns = new TurnBatches<PostgresBatch>((b) => ({ ...b, ops: [] }),
    (b) => { chain = chain.then(() => run(b).then(b.resolve, b.reject)); });

  // nodes whose reload failed after a failed batch (PostgreSQL unreachable): reloaded after the next good commit
  const dirty = new Set<string>();

  async function reload(names: string[]): Promise<void> {
    const reader = await pool.connect();
    try {
      const fresh = await readState(reader, names);
      turns.rolledBack(names, fresh);
      for (const n of names) dirty.delete(n);
    } finally {
      reader.release();
    }
  }

  async function run(batch: PostgresBatch): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      // named statements: parsed and planned once per connection. (Queuing them all at once without awaiting is
      // deprecated in node-postgres 8 and goes away in 9; one round trip each on loopback is ~0.1 ms.)
      await client.query("BEGIN");
      for (const op of batch.ops) await client.query(op);
      await client.query("COMMIT");
      client.release();
    } catch (e) {
      client?.query("ROLLBACK").catch(() => {});
      client?.release(true); // a failed connection is not reused
      const names = [...batch.touched.keys()];
      for (const n of names) dirty.add(n);
      await reload([...dirty]).catch((re: Error) =>
        log(`error: after a failed commit, reloading ${dirty.size} node(s) failed too (${re.message}); retried after the next commit`));
      throw new StoreUnavailable(`PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    lastCommit = Date.now();
    if (dirty.size) await reload([...dirty]).catch((re: Error) => log(`error: reloading ${dirty.size} node(s) failed (${re.message}); retried after the next commit`));
  }

  function record(c: Change): void {
    turns.recorded++;
    const open = turns.current();
    for (const w of writesOf(POSTGRES, WRITES, c, instance)) open.ops.push({ name: `geo_${w.key}`, text: WRITES[w.key].text, values: w.values });
    const node = nodeOf(c);
    if (node !== undefined) open.touched.set(node, undefined);
    // NOTIFY in the same transaction as the change it announces (store/postgres-listen.ts)
    const announced = announcementOf(c);
    if (announced) {
      const [channel, ...what] = announced;
      open.ops.push({ name: "geo_notify", text: NOTIFY_SQL, values: [channel, JSON.stringify([instance, ...what])] });
    }
  }
  // recorded into the open batch: it cannot fail here; a failed batch fails commit() (see above)
  const commit = (changes: readonly Change[]) => { for (const c of changes) record(c); };

  let ended: Promise<void> | undefined;
  function end(): Promise<void> {
    ended ??= (async () => {
      if (turns.open) await turns.open.done.catch(() => {});
      await chain;
      await listener.end();
      await pool.end();
    })();
    return ended;
  }

  return {
    instance,
    load: () => snapshot,
    onRemoteChange: (l) => listener.onChange(l),
    resync: () => listener.resync(),
    async readView(node) {
      const c = await pool.connect().catch((e: Error) => { throw new StoreUnavailable(`PostgreSQL: ${e.message}`, { cause: e }); });
      try {
        return await readView(c, node);
      } catch (e) {
        throw new StoreUnavailable(`PostgreSQL: ${(e as Error).message}`, { cause: e });
      } finally {
        c.release();
      }
    },
    heartbeat: (h) => beat(pool, { ...h, id: instance, ...(lastCommit !== undefined && { lastCommit }) }),
    sessions: async () => (await pool.query<{ jid: string }>("SELECT jid FROM sessions")).rows.map((r) => r.jid),
    get recorded() { return turns.recorded; },
    commit(changes?: readonly Change[]): Promise<void> {
      if (changes) commit(changes);
      if (turns.open) return turns.open.done;
      return chain; // everything recorded earlier is in a batch already queued on the chain (its own promise rejects)
    },
    ...perWrite(commit),
    onRollback: turns.onRollback,
    atomically: <T>(writes: () => T): T => writes(), // the batch is one transaction
    async orphans(mode) {
      // instances alive = those with a listening session (application_name carries the instance id)
      const alive = "SELECT substr(application_name, 21) FROM pg_stat_activity WHERE application_name LIKE 'geo-presence-listen %'";
      const r = mode === "adopt"
        ? await pool.query(`UPDATE temp_subscriptions SET instance = $1 WHERE instance NOT IN (${alive}) RETURNING node, jid`, [instance])
        : await pool.query(`DELETE FROM temp_subscriptions WHERE instance NOT IN (${alive}) RETURNING node, jid`);
      for (const row of r.rows) await pool.query(NOTIFY_SQL, [CHANNEL.sub, JSON.stringify([instance, row.node, row.jid])]);
      return r.rowCount ?? 0;
    },
    end,
    close() { void end(); },
  };
}
