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
import type { Item, NodeConfig, PersonalNode, Subscription } from "../core/model.ts";
import type { Replicated } from "../core/replica.ts";
import type { SharedReads } from "../core/shared-read.ts";
import { StoreUnavailable, type Store, type StoredState } from "../core/store.ts";
import { CHANNEL, listen, NOTIFY_SQL } from "./postgres-listen.ts";
import { PRESENCE_SQL, readView } from "./postgres-read.ts";
import { CONFIG_COLUMNS, configOf, configValues, NODE_COLUMNS } from "./config-columns.ts";
import { migrate } from "./postgres-schema.ts";
import { beat, type Heartbeat } from "./postgres-status.ts";

export { MIGRATIONS, migrate } from "./postgres-schema.ts";

type Op = { name: string; text: string; values: unknown[] };
interface Batch { ops: Op[]; nodes: Set<string>; done: Promise<void> }

const SQL = {
  createNode: `INSERT INTO nodes (${NODE_COLUMNS}) VALUES (${["name", ...CONFIG_COLUMNS].map((_, i) => `$${i + 1}`).join(", ")})`,
  saveConfig: `UPDATE nodes SET ${CONFIG_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(", ")} WHERE name = $${CONFIG_COLUMNS.length + 1}`,
  setAffiliation: "INSERT INTO affiliations (node, jid, affiliation) VALUES ($1, $2, $3) ON CONFLICT (node, jid) DO UPDATE SET affiliation = EXCLUDED.affiliation",
  removeAffiliation: "DELETE FROM affiliations WHERE node = $1 AND jid = $2",
  // as SQLite's INSERT OR REPLACE: a re-published id becomes the newest (a new seq)
  putItem: `INSERT INTO items (node, id, publisher, geoloc, published) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (node, id) DO UPDATE SET seq = nextval(pg_get_serial_sequence('items', 'seq')), publisher = EXCLUDED.publisher,
    geoloc = EXCLUDED.geoloc, published = EXCLUDED.published`,
  trim: "DELETE FROM items WHERE node = $1 AND seq <= (SELECT seq FROM items WHERE node = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)",
  deleteItems: "DELETE FROM items WHERE node = $1 AND id = ANY($2::text[])",
  purge: "DELETE FROM items WHERE node = $1",
  deleteNode: "DELETE FROM nodes WHERE name = $1",
  deleteNodeSubs: "DELETE FROM subscriptions WHERE node = $1",
  addSubscription: "INSERT INTO subscriptions (node, jid, subid, options) VALUES ($1, $2, $3, $4) ON CONFLICT (node, jid) DO UPDATE SET subid = EXCLUDED.subid, options = EXCLUDED.options",
  removeSubscription: "DELETE FROM subscriptions WHERE node = $1 AND jid = $2",
  addTemporary: `INSERT INTO temp_subscriptions (node, jid, subid, instance, options) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (node, jid) DO UPDATE SET subid = EXCLUDED.subid, instance = EXCLUDED.instance, options = EXCLUDED.options`,
  removeTemporary: "DELETE FROM temp_subscriptions WHERE node = $1 AND jid = $2",
  deleteNodeTemporary: "DELETE FROM temp_subscriptions WHERE node = $1",
  addPending: "INSERT INTO pending_requests (node, jid, subid) VALUES ($1, $2, $3) ON CONFLICT (node, jid) DO UPDATE SET subid = EXCLUDED.subid",
  removePending: "DELETE FROM pending_requests WHERE node = $1 AND jid = $2",
  deleteNodePending: "DELETE FROM pending_requests WHERE node = $1",
  addSession: "INSERT INTO sessions (jid, since) VALUES ($1, $2) ON CONFLICT (jid) DO NOTHING",
  removeSession: "DELETE FROM sessions WHERE jid = $1",
};


/** Nodes (all, or those named) with their affiliations and items, and their persistent subscriptions. */
export async function readState(db: pg.ClientBase, names?: string[]): Promise<StoredState> {
  const where = (col: string) => (names ? ` WHERE ${col} = ANY($1::text[])` : "");
  const args = names ? [names] : [];
  const nodes = new Map<string, PersonalNode>();
  for (const r of (await db.query(`SELECT ${NODE_COLUMNS} FROM nodes${where("name")}`, args)).rows) {
    nodes.set(r.name, { name: r.name, config: configOf(r), affiliations: new Map(), items: [] });
  }
  for (const r of (await db.query(`SELECT node, jid, affiliation FROM affiliations${where("node")}`, args)).rows) {
    nodes.get(r.node)?.affiliations.set(r.jid, r.affiliation as "publisher" | "member" | "outcast");
  }
  for (const r of (await db.query(`SELECT node, id, publisher, geoloc, published FROM items${where("node")} ORDER BY seq`, args)).rows) {
    nodes.get(r.node)?.items.push({ id: r.id, publisher: r.publisher, geoloc: r.geoloc, published: Number(r.published) });
  }
  const subscriptions: Subscription[] = (await db.query(`SELECT node, jid, subid, options FROM subscriptions${where("node")}`, args)).rows
    .map((r) => ({ node: r.node, jid: r.jid, subid: r.subid, temporary: false, ...(r.options && { options: r.options }) }));
  for (const r of (await db.query(`SELECT node, jid, subid, options FROM temp_subscriptions${where("node")}`, args)).rows) {
    subscriptions.push({ node: r.node, jid: r.jid, subid: r.subid, temporary: true, ...(r.options && { options: r.options }) });
  }
  const pending = (await db.query<{ node: string; jid: string; subid: string }>(`SELECT node, jid, subid FROM pending_requests${where("node")}`, args)).rows
    .map((r) => ({ node: r.node, jid: r.jid, subid: r.subid }));
  return { nodes: [...nodes.values()], subscriptions, ...(pending.length && { pending }) };
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
    await migrate(first);
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

  let open: Batch | undefined;
  let chain: Promise<void> = Promise.resolve(); // the last batch's commit (never rejects: failures go to batch.done)
  let recorded = 0;
  let lastCommit: number | undefined;
  const listeners: Array<(names: string[], fresh: StoredState) => void> = [];

  // nodes whose reload failed after a failed batch (PostgreSQL unreachable): reloaded after the next good commit
  const dirty = new Set<string>();

  async function reload(names: string[]): Promise<void> {
    const reader = await pool.connect();
    try {
      const fresh = await readState(reader, names);
      for (const l of listeners) l(names, fresh);
      for (const n of names) dirty.delete(n);
    } finally {
      reader.release();
    }
  }

  async function run(batch: Batch): Promise<void> {
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
      const names = [...batch.nodes];
      for (const n of names) dirty.add(n);
      await reload([...dirty]).catch((re: Error) =>
        log(`error: after a failed commit, reloading ${dirty.size} node(s) failed too (${re.message}); retried after the next commit`));
      throw new StoreUnavailable(`PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    lastCommit = Date.now();
    if (dirty.size) await reload([...dirty]).catch((re: Error) => log(`error: reloading ${dirty.size} node(s) failed (${re.message}); retried after the next commit`));
  }

  function record(node: string, name: keyof typeof SQL | "presence", values: unknown[]): void {
    recorded++;
    if (!open) {
      let resolve!: () => void, reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      done.catch(() => {}); // observed by commit() callers; not an unhandled rejection when nobody waits
      const batch: Batch = { ops: [], nodes: new Set(), done };
      open = batch;
      setImmediate(() => {
        open = undefined;
        chain = chain.then(() => run(batch).then(resolve, reject));
      });
    }
    open.ops.push({ name: `geo_${name}`, text: name === "presence" ? PRESENCE_SQL : SQL[name], values });
    if (node) open.nodes.add(node);
  }
  // NOTIFY in the same transaction as the change it announces (store/postgres-listen.ts)
  function announce(channel: string, ...what: string[]): void {
    open!.ops.push({ name: "geo_notify", text: NOTIFY_SQL, values: [channel, JSON.stringify([instance, ...what])] });
  }
  const nodeChange = (node: string, name: keyof typeof SQL, values: unknown[]) => { record(node, name, values); announce(CHANNEL.node, node); };

  let ended: Promise<void> | undefined;
  function end(): Promise<void> {
    ended ??= (async () => {
      if (open) await open.done.catch(() => {});
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
    // not a node change: a failed batch does not reload anything for it (presence is not undone either, gate.ts)
    savePresence: (p) => record("", "presence", [p.jid, p.online, p.show ?? null, p.since]),
    saveSession: (full, available) => record("", available ? "addSession" : "removeSession", available ? [full, Date.now()] : [full]),
    heartbeat: (h) => beat(pool, { ...h, id: instance, ...(lastCommit !== undefined && { lastCommit }) }),
    sessions: async () => (await pool.query<{ jid: string }>("SELECT jid FROM sessions")).rows.map((r) => r.jid),
    get recorded() { return recorded; },
    commit(): Promise<void> {
      if (open) return open.done;
      return chain; // everything recorded earlier is in a batch already queued on the chain (its own promise rejects)
    },
    onRollback(l) { listeners.push(l); },
    atomically: <T>(writes: () => T): T => writes(), // the batch is one transaction
    createNode: (name, c) => nodeChange(name, "createNode", [name, ...configValues(c)]),
    saveConfig: (name, c) => nodeChange(name, "saveConfig", [...configValues(c), name]),
    setAffiliation: (node, jid, a) => nodeChange(node, a === "none" ? "removeAffiliation" : "setAffiliation", a === "none" ? [node, jid] : [node, jid, a]),
    putItem(node: string, item: Item, maxItems: number) {
      record(node, "putItem", [node, item.id, item.publisher, JSON.stringify(item.geoloc), item.published]);
      record(node, "trim", [node, maxItems]);
    },
    deleteItems: (node, ids) => record(node, "deleteItems", [node, ids]),
    trim: (node, maxItems) => record(node, "trim", [node, maxItems]),
    purge: (node) => record(node, "purge", [node]),
    deleteNode(node) { record(node, "deleteNode", [node]); record(node, "deleteNodeTemporary", [node]); record(node, "deleteNodePending", [node]); nodeChange(node, "deleteNodeSubs", [node]); },
    addSubscription(s) { record(s.node, "addSubscription", [s.node, s.jid, s.subid, s.options ? JSON.stringify(s.options) : null]); announce(CHANNEL.sub, s.node, s.jid); },
    removeSubscription(node, jid) { record(node, "removeSubscription", [node, jid]); announce(CHANNEL.sub, node, jid); },
    addTemporarySubscription(s) { record(s.node, "addTemporary", [s.node, s.jid, s.subid, instance, s.options ? JSON.stringify(s.options) : null]); announce(CHANNEL.sub, s.node, s.jid); },
    addPendingRequest(r) { record(r.node, "addPending", [r.node, r.jid, r.subid]); announce(CHANNEL.pending, r.node, r.jid); },
    removePendingRequest(node, jid) { record(node, "removePending", [node, jid]); announce(CHANNEL.pending, node, jid); },
    removeTemporarySubscription(node, jid) { record(node, "removeTemporary", [node, jid]); announce(CHANNEL.sub, node, jid); },
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
