// The shared store: PostgreSQL (node-postgres), chosen by GEO_DB=postgres://... when several instances serve one
// domain. Same tables and semantics as store/sqlite.ts; its group commit is store/postgres-batch.ts.
//
// commit(changes) needs nothing more to be all or none: a whole batch is one transaction. The state is loaded once,
// before the core is built (`openPostgresStore` is async, `load()` returns it); afterwards only other instances' node
// and subscription changes are read (LISTEN/NOTIFY, store/postgres-listen.ts).
// Deleted rows are not overwritten at once as with SQLite's secure_delete; VACUUM reclaims them.
import pg from "pg";
import { randomBytes } from "node:crypto";
import type { GroupCommit } from "../core/group-commit.ts";
import type { Change } from "../core/changes.ts";
import type { Replicated } from "../core/replica.ts";
import type { SharedReads } from "../core/shared-read.ts";
import { StoreUnavailable, type Store, type StoredState } from "../core/store.ts";
import { postgresBatches } from "./postgres-batch.ts";
import { CHANNEL, listen, NOTIFY_SQL } from "./postgres-listen.ts";
import { readState, readView } from "./postgres-read.ts";
import { beat, type Heartbeat } from "./postgres-status.ts";
import { migratePostgres } from "./schema.ts";

export { readState } from "./postgres-read.ts";
export { POSTGRES_MIGRATIONS as MIGRATIONS } from "./schema.ts";

export const isPostgresUrl = (db: string) => /^postgres(ql)?:\/\//.test(db);
/** the URL without its password, for logs */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

export type PostgresStore = Store &
  GroupCommit &
  Replicated &
  SharedReads & {
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
export async function openPostgresStore(
  url: string,
  opts: { log?: (line: string) => void } = {},
): Promise<PostgresStore> {
  const log = opts.log ?? (() => {});
  // one connection for writes (batches are serial on it), one for reloads after a failed batch, one for reading
  // other instances' changes (store/postgres-listen.ts), plus the listening connection of its own
  const pool = new pg.Pool({
    connectionString: url,
    max: 3,
    connectionTimeoutMillis: 5000,
    application_name: "geo-presence",
  });
  pool.on("error", (e) => log(`error: PostgreSQL connection: ${e.message}`));
  // the pool listens for errors of idle clients only; a checked-out client between two queries (a batch, a
  // reload, a read) that loses its server (PostgreSQL stopping: 57P01) would otherwise throw an uncaught 'error'.
  // The failure still reaches the caller through the next query's rejection.
  pool.on("connect", (client) => client.on("error", () => {}));
  const instance = randomBytes(6).toString("hex");
  const readAll = async (names?: string[]) => {
    const c = await pool.connect();
    try {
      return await readState(c, names);
    } finally {
      c.release();
    }
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

  const batches = postgresBatches(pool, instance, log);

  let ended: Promise<void> | undefined;
  function end(): Promise<void> {
    ended ??= (async () => {
      await batches.drain();
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
      const c = await pool.connect().catch((e: Error) => {
        throw new StoreUnavailable(`PostgreSQL: ${e.message}`, { cause: e });
      });
      try {
        return await readView(c, node);
      } catch (e) {
        throw new StoreUnavailable(`PostgreSQL: ${(e as Error).message}`, { cause: e });
      } finally {
        c.release();
      }
    },
    heartbeat: (h) => {
      const { lastCommit } = batches;
      return beat(pool, { ...h, id: instance, ...(lastCommit !== undefined && { lastCommit }) });
    },
    sessions: async () => (await pool.query<{ jid: string }>("SELECT jid FROM sessions")).rows.map((r) => r.jid),
    get recorded() {
      return batches.recorded;
    },
    commit: batches.record,
    durable: batches.committed,
    onRollback: batches.onRollback,
    async orphans(mode) {
      // instances alive = those with a listening session (application_name carries the instance id)
      const alive =
        "SELECT substr(application_name, 21) FROM pg_stat_activity WHERE application_name LIKE 'geo-presence-listen %'";
      const r =
        mode === "adopt"
          ? await pool.query(
              `UPDATE temp_subscriptions SET instance = $1 WHERE instance NOT IN (${alive}) RETURNING node, jid`,
              [instance],
            )
          : await pool.query(`DELETE FROM temp_subscriptions WHERE instance NOT IN (${alive}) RETURNING node, jid`);
      for (const row of r.rows)
        await pool.query(NOTIFY_SQL, [CHANNEL.sub, JSON.stringify([instance, row.node, row.jid])]);
      return r.rowCount ?? 0;
    },
    end,
    close() {
      void end();
    },
  };
}
