// A private Prosody plus the real component, in-process, for integration tests. Prosody missing = a loud failure.
import { component, type Component } from "@xmpp/component";
import { xml } from "@xmpp/client";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SETTINGS, type Settings } from "../../component/src/core/state.ts";
import { hasGroupCommit } from "../../component/src/core/group-commit.ts";
import type { Store } from "../../component/src/core/store.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import type { OutboxLimits } from "../../component/src/xmpp/outbox.ts";
import { createService, type RunningService } from "../../component/src/xmpp/service.ts";
import { startProsody, type Prosody, type StartOptions } from "../../prosody/server.ts";
import { connectClient, type TestClient } from "./client.ts";

export interface Stack {
  prosody: Prosody;
  componentJid: string;
  dbFile: string;
  service: RunningService;
  entity: Component;
  /** registers `name@localhost` (password `pw`) and connects it */
  user(name: string, resource?: string): Promise<TestClient>;
  /** a user that has sent presence to the service (so its full-JID subscriptions are temporary) */
  viewer(name?: string): Promise<TestClient>;
  stop(): Promise<void>;
}

export interface StackOptions {
  settings?: Partial<Settings>;
  /** Prosody options, e.g. `{ mirror: true }` */
  prosody?: Omit<Partial<StartOptions>, "dataDir">;
  /** the service's log lines */
  log?: (line: string) => void;
  /** where the SQLite file lives (default: in the stack's own data dir) */
  dbFile?: string;
  busyTimeoutMs?: number;
  outbox?: Partial<OutboxLimits>;
  /** another store (e.g. PostgreSQL); the stack ends it on stop */
  store?: Store;
  /** the service's clock (default Date.now) */
  clock?: () => number;
}

let counter = 0;

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), "geo-it-"));
  const prosody = await startProsody({ ...opts.prosody, dataDir });
  const dbFile = opts.dbFile ?? join(dataDir, "geo.sqlite");
  const store: Store = opts.store ?? openSqliteStore(dbFile, { busyTimeoutMs: opts.busyTimeoutMs });
  const entity = component({
    service: prosody.componentService,
    domain: prosody.component,
    password: prosody.componentSecret,
  });
  entity.on("error", () => {});
  const settings: Settings = { ...DEFAULT_SETTINGS, domains: new Set([prosody.domain]), ...opts.settings };
  const service = createService({ entity, store, settings, log: opts.log, outbox: opts.outbox, clock: opts.clock });
  await entity.start();
  const clients: TestClient[] = [];
  const registered = new Set<string>();

  const user = async (name: string, resource = "test") => {
    if (!registered.has(name)) {
      prosody.register(name, "pw");
      registered.add(name);
    }
    const c = await connectClient({
      service: prosody.c2sService,
      domain: prosody.domain,
      username: name,
      password: "pw",
      resource,
      pubsub: prosody.component,
    });
    clients.push(c);
    return c;
  };

  return {
    prosody,
    componentJid: prosody.component,
    dbFile,
    service,
    entity,
    user,
    async viewer(name = `viewer${++counter}`) {
      const c = await user(name, "map");
      await c.send(xml("presence", { to: prosody.component }));
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.stop()));
      entity.reconnect.stop();
      try {
        await entity.stop();
      } catch {
        /* gone */
      }
      if (hasGroupCommit(store)) await store.end();
      else store.close();
      await prosody.stop();
    },
  };
}
