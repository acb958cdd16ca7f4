// Several instances of the service for one domain on a private ejabberd (domain_balancing bare_source) sharing a
// private PostgreSQL, in this process: each is the real createService() with its own component connection and
// its own PostgreSQL store, so a test can see which instance a user's stanzas reach and what each one knows.
import { component, type Component } from "@xmpp/component";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import pg from "pg";
import type { RemoteChange } from "../../component/src/core/replica.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../component/src/core/state.ts";
import { registerAccount } from "../../component/src/simulator/register.ts";
import { openPostgresStore, type PostgresStore } from "../../component/src/store/postgres.ts";
import { createService, type RunningService } from "../../component/src/xmpp/service.ts";
import { connectClient, type TestClient } from "./client.ts";
import type { Ejabberd } from "./ejabberd.ts";

export interface Instance {
  name: string;
  entity: Component;
  store: PostgresStore;
  service: RunningService;
  /** bare JIDs of users whose stanzas reached this instance */
  senders: Set<string>;
  /** resolves with the first change from another instance (after now) that satisfies `pred` */
  nextRemote(pred: (c: RemoteChange) => boolean, what: string, timeoutMs?: number): Promise<RemoteChange>;
  stop(): Promise<void>;
}

export async function startInstance(
  name: string,
  ejd: Ejabberd,
  db: string,
  settings: Partial<Settings> = {},
): Promise<Instance> {
  const store = await openPostgresStore(db);
  const entity = component({ service: ejd.componentService, domain: ejd.component, password: ejd.componentSecret });
  entity.on("error", () => {});
  const senders = new Set<string>();
  entity.on("stanza", (s: Element) => {
    senders.add(String(s.attrs.from).split("/")[0]);
  });
  const service = createService({
    entity,
    store,
    settings: { ...DEFAULT_SETTINGS, domains: new Set([ejd.domain]), ...settings },
  });
  const waiters: Array<(c: RemoteChange) => void> = [];
  store.onRemoteChange((c) => {
    for (const w of [...waiters]) w(c);
  });
  await entity.start();
  return {
    name,
    entity,
    store,
    service,
    senders,
    nextRemote: (pred, what, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name}: timed out waiting for ${what}`)), timeoutMs);
        const w = (c: RemoteChange) => {
          if (pred(c)) {
            clearTimeout(t);
            waiters.splice(waiters.indexOf(w), 1);
            resolve(c);
          }
        };
        waiters.push(w);
      }),
    async stop() {
      entity.reconnect.stop();
      try {
        await entity.stop();
      } catch {
        /* gone */
      }
      await store.end();
    },
  };
}

/** Registers and connects `name@domain` (password `pw`) on ejabberd's c2s. */
export async function ejabberdUser(ejd: Ejabberd, name: string, resource = "test"): Promise<TestClient> {
  await registerAccount(ejd.c2sService, ejd.domain, name, "pw");
  return connectClient({
    service: ejd.c2sService,
    domain: ejd.domain,
    username: name,
    password: "pw",
    resource,
    pubsub: ejd.component,
  });
}

/** Which instance a user's stanzas reach (bare_source): found with a ping (XEP-0199), answered by that instance. */
export async function ownerOf(user: TestClient, instances: Instance[]): Promise<Instance> {
  await user.iq("get", xml("ping", { xmlns: "urn:xmpp:ping" }));
  const found = instances.filter((i) => i.senders.has(user.bare));
  if (found.length !== 1) throw new Error(`${user.bare} reached ${found.length} instances`);
  return found[0];
}

/** The rows of one query on the PostgreSQL database `db`, on a connection of its own. */
export async function queryRows<T extends pg.QueryResultRow>(db: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** The role (primary, standby) of every process holding a slot lock on the PostgreSQL `db` now, sorted. */
export async function slotRoles(db: string): Promise<string[]> {
  const rows = await queryRows<{ application_name: string }>(
    db,
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'geo-presence-slot %' ORDER BY 1`,
  );
  return rows.map((r) => r.application_name.split(" ")[1]);
}
