// The operator's view of a deployment on PostgreSQL (`npm run component -- --status`): every instance holding a
// slot writes a heartbeat row (what it serves, its outbox, its last commit) every few seconds; the status reads
// those rows together with who holds or waits for which slot lock right now (pg_locks) and who is alive.
import pg from "pg";

export const HEARTBEAT_MS = 5000;
/** PostgreSQL migration (appended to MIGRATIONS): one row per instance that holds or held a slot */
export const INSTANCES_SQL = `CREATE TABLE instances (id TEXT PRIMARY KEY, slot INTEGER, role TEXT NOT NULL,
  service TEXT NOT NULL, publishers INTEGER NOT NULL, subscriptions INTEGER NOT NULL, outbox INTEGER NOT NULL,
  last_commit BIGINT, updated BIGINT NOT NULL);`;

export interface Heartbeat {
  id: string;
  slot: number;
  role: string;
  service: string;
  publishers: number;
  subscriptions: number;
  outbox: number;
  lastCommit?: number;
}

export async function beat(pool: pg.Pool, h: Heartbeat): Promise<void> {
  await pool.query(
    `INSERT INTO instances (id, slot, role, service, publishers, subscriptions, outbox, last_commit, updated)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (id) DO UPDATE SET slot = EXCLUDED.slot, role = EXCLUDED.role, service = EXCLUDED.service,
    publishers = EXCLUDED.publishers, subscriptions = EXCLUDED.subscriptions, outbox = EXCLUDED.outbox,
    last_commit = EXCLUDED.last_commit, updated = EXCLUDED.updated`,
    [h.id, h.slot, h.role, h.service, h.publishers, h.subscriptions, h.outbox, h.lastCommit ?? null, Date.now()],
  );
}

const ago = (ms: number | null, now: number) =>
  ms === null ? "never" : `${((now - Number(ms)) / 1000).toFixed(1)} s ago`;

/** The status report as lines of text. */
export async function statusReport(url: string, domain: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url, application_name: "geo-presence-status" });
  await c.connect();
  try {
    const now = Date.now();
    const locks = (
      await c.query<{ slot: number; granted: boolean; app: string; addr: string | null; since: Date }>(
        `SELECT l.objid::int AS slot, l.granted,
        a.application_name AS app, a.client_addr::text AS addr, a.backend_start AS since
      FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.classid = (hashtext($1)::bigint & 4294967295)::oid
      ORDER BY l.objid, l.granted DESC`,
        [`geo-slot:${domain}`],
      )
    ).rows;
    const alive = new Set(
      (
        await c.query<{ id: string }>(
          `SELECT substr(application_name, 21) AS id FROM pg_stat_activity
          WHERE application_name LIKE 'geo-presence-listen %'`,
        )
      ).rows.map((r) => r.id),
    );
    const rows = (
      await c.query(
        `SELECT i.*, (SELECT count(*)::int FROM temp_subscriptions t WHERE t.instance = i.id) AS temporary
      FROM instances i WHERE updated > $1 ORDER BY slot, updated DESC`,
        [now - 600_000],
      )
    ).rows; // gone for 10 min: not listed
    const totals = (
      await c.query(`SELECT (SELECT count(*)::int FROM nodes) AS nodes,
      (SELECT count(*)::int FROM subscriptions) AS subs, (SELECT count(*)::int FROM temp_subscriptions) AS temps,
      (SELECT count(*)::int FROM presence WHERE online) AS online, (SELECT count(*)::int FROM sessions) AS sessions,
      (SELECT count(*)::int FROM pending_requests) AS pending`)
    ).rows[0];
    const out = [
      `geo-presence ${domain}: ${totals.nodes} publishers (${totals.online} online, ${totals.sessions} sessions), ` +
        `${totals.subs} persistent and ${totals.temps} temporary subscriptions, ` +
        `${totals.pending} pending authorization requests`,
    ];
    const held = locks.filter((l) => l.granted);
    const waiting = new Set(
      locks.filter((l) => !l.granted).map((l) => `${l.app} ${l.addr ?? "local"} ${l.since.toISOString()}`),
    );
    out.push(
      `slots: ${held.length} held${waiting.size ? `, ${waiting.size} standby(s) waiting` : ", no standby waiting"}`,
    );
    for (const l of held)
      out.push(
        `  slot ${l.slot}: held by a ${l.app.split(" ")[1] ?? "?"} instance ` +
          `from ${l.addr ?? "a local socket"} since ${l.since.toISOString()}`,
      );
    out.push("instances (heartbeat every 5 s; those gone for 10 minutes are not listed):");
    if (!rows.length) out.push("  none has reported yet");
    for (const r of rows) {
      const state = !alive.has(r.id) ? "gone" : now - Number(r.updated) > 3 * HEARTBEAT_MS ? "silent" : "up";
      out.push(
        `  ${r.id} ${state}: slot ${r.slot ?? "-"} (${r.role}) via ${r.service}; ` +
          `${r.publishers} publishers online here, ` +
          `${r.temporary} temporary subscriptions held, outbox ${r.outbox}, ` +
          `last commit ${ago(r.last_commit, now)}, reported ${ago(r.updated, now)}`,
      );
    }
    return out;
  } finally {
    await c.end();
  }
}
