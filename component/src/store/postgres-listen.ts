// Cross-instance propagation of the rare changes (CLUSTER.md §2) with PostgreSQL LISTEN/NOTIFY.
//
// The writer adds `SELECT pg_notify(channel, payload)` to the very batch (transaction) that makes the change, so a
// notification is delivered only if, and after, the change committed, in commit order; a rolled-back batch tells
// nobody. Channels: `geo_node` (created, configured, affiliations, deleted) and `geo_sub` (persistent subscription
// added or removed). Never one per publish. Payload: JSON [instance, node] or [instance, node, jid] (a resource
// may contain spaces); an instance ignores its own.
//
// The listener reads the changed row(s) back (the truth, not the payload) on a pooled connection, one change
// after another in arrival order, and hands the values to the shell. Bound: the change is in the other
// instances' memory one notification delivery plus one read after the COMMIT (a few ms on loopback; the test
// asserts < 1 s). LISTEN starts before the store's initial snapshot, so nothing committed in between is missed.
// If the listening connection is lost, changes may be missed: on reconnecting it reloads everything ("all").
import pg from "pg";
import type { Change } from "../core/changes.ts";
import type { RemoteChange } from "../core/replica.ts";
import type { Subscription } from "../core/model.ts";
import type { StoredState } from "../core/store.ts";

export const CHANNEL = { node: "geo_node", sub: "geo_sub", pending: "geo_pending" } as const;
export const NOTIFY_SQL = "SELECT pg_notify($1, $2)";

/** What a change announces to the other instances: its channel and what to read back; items and presence nothing. */
export function announcementOf(c: Change): [string, ...string[]] | undefined {
  switch (c.kind) {
    case "createNode":
    case "saveConfig":
    case "setAffiliation":
    case "deleteNode":
      return [CHANNEL.node, c.node];
    case "addSubscription":
      return [CHANNEL.sub, c.subscription.node, c.subscription.jid];
    case "removeSubscription":
      return [CHANNEL.sub, c.node, c.jid];
    case "addPending":
      return [CHANNEL.pending, c.request.node, c.request.jid];
    case "removePending":
      return [CHANNEL.pending, c.node, c.jid];
    default:
      return undefined;
  }
}

type Read = (names?: string[]) => Promise<StoredState>;

export interface Listener {
  onChange(l: (c: RemoteChange) => void): void;
  /** reloads everything (after a takeover: the instance that held the slot wrote items nobody announced) */
  resync(): Promise<void>;
  end(): Promise<void>;
}

export async function listen(
  url: string,
  instance: string,
  pool: pg.Pool,
  read: Read,
  log: (line: string) => void,
): Promise<Listener> {
  const listeners: Array<(c: RemoteChange) => void> = [];
  const early: RemoteChange[] = []; // changes before the shell listens (between LISTEN and createService)
  const emit = (c: RemoteChange) => {
    if (listeners.length) for (const l of listeners) l(c);
    else early.push(c);
  };
  let chain: Promise<void> = Promise.resolve();
  let client: pg.Client | undefined;
  let stopped = false;
  let delay = 200;
  let retry: NodeJS.Timeout | undefined;

  const queue = (task: () => Promise<RemoteChange>): Promise<void> => {
    chain = chain
      .then(task)
      .then(emit, (e: Error) => {
        // PostgreSQL unreachable: one full reload a second later (not a tight loop), until one succeeds
        log(`error: reading another instance's change failed (${e.message}); reloading everything in 1 s`);
        if (retry || stopped) return;
        retry = setTimeout(() => {
          retry = undefined;
          if (!stopped) void queue(async () => ({ kind: "all", fresh: await read() }));
        }, 1000);
      })
      // the chain goes on
      .catch((e: Error) => log(`error: applying another instance's change failed: ${e.stack ?? e.message}`));
    return chain;
  };

  async function readSubscription(node: string, jid: string): Promise<RemoteChange> {
    const r = await pool.query<{ subid: string; temporary: boolean; options: Subscription["options"] | null }>(
      `SELECT subid, false AS temporary, options FROM subscriptions WHERE node = $1 AND jid = $2
      UNION ALL SELECT subid, true, options FROM temp_subscriptions WHERE node = $1 AND jid = $2`,
      [node, jid],
    );
    const row = r.rows[0];
    const subscription: Subscription | undefined = row && {
      node,
      jid,
      subid: row.subid,
      temporary: row.temporary,
      ...(row.options && { options: row.options }),
    };
    return { kind: "subscription", node, jid, subscription };
  }

  async function readPending(node: string, jid: string): Promise<RemoteChange> {
    const r = await pool.query<{ subid: string }>("SELECT subid FROM pending_requests WHERE node = $1 AND jid = $2", [
      node,
      jid,
    ]);
    return { kind: "pending", node, jid, request: r.rows[0] && { node, jid, subid: r.rows[0].subid } };
  }

  function onNotification(m: pg.Notification): void {
    let payload: unknown;
    try {
      payload = JSON.parse(m.payload ?? "");
    } catch {
      return;
    }
    if (!Array.isArray(payload) || payload[0] === instance) return;
    const [, node, jid] = payload as [string, string, string?];
    if (m.channel === CHANNEL.node)
      void queue(async () => ({ kind: "node", name: node, node: (await read([node])).nodes[0] }));
    else if (m.channel === CHANNEL.sub && jid !== undefined) void queue(() => readSubscription(node, jid));
    else if (m.channel === CHANNEL.pending && jid !== undefined) void queue(() => readPending(node, jid));
  }

  async function connect(): Promise<void> {
    // the instance id in application_name: other instances see who is alive (temporary subscriptions' owners)
    const c = new pg.Client({
      connectionString: url,
      application_name: `geo-presence-listen ${instance}`,
      keepAlive: true,
    });
    c.on("notification", onNotification);
    c.on("error", (e) => log(`error: PostgreSQL listening connection: ${e.message}`));
    await c.connect();
    await c.query(`LISTEN ${CHANNEL.node}; LISTEN ${CHANNEL.sub}; LISTEN ${CHANNEL.pending}`);
    if (stopped) {
      await c.end().catch(() => {});
      return;
    } // end() was called while this reconnect was under way
    c.once("end", () => {
      client = undefined;
      if (!stopped) reconnect();
    });
    client = c;
  }

  function reconnect(): void {
    setTimeout(() => {
      if (stopped) return;
      connect().then(
        () => {
          delay = 200;
          log("PostgreSQL listening connection back; reloading every node and subscription");
          void queue(async () => ({ kind: "all", fresh: await read() }));
        },
        (e: Error) => {
          log(`error: PostgreSQL listening connection: ${e.message}; retrying in ${delay} ms`);
          delay = Math.min(delay * 2, 5000);
          reconnect();
        },
      );
    }, delay);
  }

  await connect();
  return {
    onChange(l) {
      listeners.push(l);
      for (const c of early.splice(0)) l(c);
    },
    resync: () => queue(async () => ({ kind: "all", fresh: await read() })),
    async end() {
      stopped = true;
      clearTimeout(retry);
      await chain;
      await client?.end().catch(() => {});
    },
  };
}
