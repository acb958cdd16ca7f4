// Failover (CLUSTER.md §4): with ejabberd's domain_balancing, `component_number` slots serve one domain and
// a slot whose connection died drops its stanzas until a NEW connection takes it. Each running instance holds a
// PostgreSQL advisory lock for its slot on a session of its own, for as long as it runs; a standby blocks on every
// slot's lock at once (one session each). When an instance dies (even kill -9), PostgreSQL ends its session and
// grants the lock to a waiting standby within milliseconds (measured 5-11 ms); the standby then connects its
// component stream and ejabberd gives it the free slot. The slot number is only a lock key: ejabberd assigns
// slots by connection order, and any instance can serve any publisher.
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface SlotLock {
  slot: number;
  /**
   * For a holder of role standby: true when it should give its slot back, i.e. primaries wait for a slot and this
   * is among the lowest slots held by standbys (one standby per waiting primary yields, not all of them).
   */
  shouldYield(): Promise<boolean>;
  /** settles if the lock's session ends: the slot may then be taken by another instance */
  lost: Promise<Error>;
  release(): Promise<void>;
}

// The role and a token of the process are in each lock session's application_name, so that holders and waiters,
// and the sessions of one process, can be told apart in pg_locks (the lock key already names the domain).
const appName = (role: string, token: string) => `geo-presence-slot ${role} ${token}`;
const KEY = (domain: string) => `geo-slot:${domain}`;

/** Waits until one of `slots` slot locks of `domain` is free and holds it. */
export async function takeSlot(
  url: string,
  domain: string,
  slots: number,
  role: "primary" | "standby" = "primary",
): Promise<SlotLock> {
  const token = randomBytes(6).toString("hex");
  const sessions = await Promise.all(
    Array.from({ length: slots }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: appName(role, token), keepAlive: true });
      c.on("error", () => {}); // reported through `lost` (winner) or irrelevant (cancelled waiters)
      await c.connect();
      const pid = (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      return { c, pid };
    }),
  );
  // two-key advisory lock: (hash of the domain, slot number)
  const waits = sessions.map((s, slot) =>
    s.c.query("SELECT pg_advisory_lock(hashtext($1), $2)", [KEY(domain), slot]).then(() => slot),
  );
  for (const w of waits) w.catch(() => {}); // the losers are cancelled below
  const slot = await Promise.race(waits);
  const winner = sessions[slot].c;
  const others = sessions.filter((_, i) => i !== slot);
  // cancel the other waits (a backend blocked on a lock does not notice its client leaving), then close them:
  // closing also releases a lock one of them may have been granted meanwhile
  await winner.query("SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid", [others.map((o) => o.pid)]);
  await Promise.all(others.map((o) => o.c.end().catch(() => {})));
  const lost = new Promise<Error>((resolve) => {
    winner.on("error", (e) => resolve(e));
    winner.on("end", () => resolve(new Error("the slot lock's PostgreSQL session ended")));
  });
  // advisory locks with two int4 keys: classid = the first (as an oid), objid = the second
  const shouldYield = async () => {
    // waiting primaries: processes (tokens) of role primary with a waiting session on this domain's slots and none
    // granted (a primary that just won a slot still has waits until it cancels them)
    const r = await winner.query<{ waiting: number; held: number[] }>(
      `WITH s AS (
        SELECT l.objid::int AS slot, l.granted,
          split_part(a.application_name, ' ', 2) AS role, split_part(a.application_name, ' ', 3) AS token
        FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE l.locktype = 'advisory' AND l.classid = (hashtext($1)::bigint & 4294967295)::oid
          AND a.application_name LIKE 'geo-presence-slot %')
      SELECT (SELECT count(DISTINCT token) FROM s WHERE role = 'primary' AND NOT granted
                AND token NOT IN (SELECT token FROM s WHERE granted))::int AS waiting,
             (SELECT coalesce(array_agg(slot ORDER BY slot), '{}') FROM s WHERE role = 'standby' AND granted) AS held`,
      [KEY(domain)],
    );
    const { waiting, held } = r.rows[0];
    return waiting > 0 && held.slice(0, waiting).includes(slot);
  };
  return { slot, lost, shouldYield, release: () => winner.end().catch(() => {}) };
}
