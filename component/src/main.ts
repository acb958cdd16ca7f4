// `npm run component`: start the service next to Prosody.
import { component } from "@xmpp/component";
import { HELP, readConfig, type Config } from "./config.ts";
import { hasGroupCommit } from "./core/group-commit.ts";
import type { Store } from "./core/store.ts";
import { isPostgresUrl, openPostgresStore, redactUrl, type PostgresStore } from "./store/postgres.ts";
import { takeSlot, type SlotLock } from "./store/slot-lock.ts";
import { HEARTBEAT_MS, statusReport } from "./store/postgres-status.ts";
import { openSqliteStore } from "./store/sqlite.ts";
import { createService } from "./xmpp/service.ts";
import { startEntity } from "./xmpp/start.ts";

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

let config: Config | "help";
try {
  config = readConfig(process.argv.slice(2), process.env);
} catch (e) {
  console.error(`geo-presence: ${(e as Error).message}\nRun with --help for the options.`);
  process.exit(2);
}
if (config === "help") {
  console.log(HELP);
  process.exit(0);
}
const { service, domain, secret, db, settings, slots, role } = config;
if (config.status) {
  // the operator's view (store/postgres-status.ts): read-only, no component connection
  if (!isPostgresUrl(db)) {
    console.error(
      "geo-presence: --status reads a shared deployment: set GEO_DB=postgres://... (one SQLite instance has no slots)",
    );
    process.exit(2);
  }
  try {
    console.log((await statusReport(db, domain)).join("\n"));
    process.exit(0);
  } catch (e) {
    console.error(`geo-presence: cannot read the status from ${redactUrl(db)}: ${(e as Error).message}`);
    process.exit(1);
  }
}

let store: Store;
try {
  // PostgreSQL: connect, migrate and load before the core is built (its load() is synchronous)
  store = isPostgresUrl(db) ? await openPostgresStore(db, { log }) : openSqliteStore(db);
} catch (e) {
  log(`error: cannot open the store ${isPostgresUrl(db) ? redactUrl(db) : db}: ${(e as Error).message}`);
  process.exit(1);
}
const entity = component({ service, domain, password: secret });
let stopping = false;
const running = createService({ entity, store, settings, log, confirmAtStart: slots === undefined });
log(
  `geo-presence ${domain}: ${running.core.publishers().length} publishers ` +
    `in ${isPostgresUrl(db) ? redactUrl(db) : db}; ` +
    `users of ${[...settings.domains].join(", ")}; new nodes ${settings.defaults.accessModel}`,
);

// Reconnect with backoff: 1 s, doubling to 30 s, back to 1 s once online. The state is in memory and in the store.
entity.reconnect.on("reconnecting", () => {
  entity.reconnect.delay = Math.min(entity.reconnect.delay * 2, 30_000);
});
entity.on("online", () => {
  entity.reconnect.delay = 1000;
  log(`connected to ${service} as ${domain}`);
});
entity.on(
  "disconnect",
  () => stopping || log(`disconnected from ${service}; retrying in ${entity.reconnect.delay / 1000} s`),
);
entity.on("error", (err: Error & { condition?: string }) => {
  if (stopping) return;
  if (err.condition === "not-authorized") {
    log(
      `error: Prosody refused the handshake for ${domain}: ` +
        `check that GEO_SECRET equals the component_secret of Component "${domain}"`,
    );
    void shutdown(1);
    return;
  }
  const hint =
    (err as { code?: string }).code === "ECONNREFUSED"
      ? ` (is Prosody running, with component_ports including this port and a Component "${domain}" section?)`
      : "";
  log(`error: ${err.message}${hint}`);
});

let lock: SlotLock | undefined;
async function shutdown(code: number, handBack = false) {
  if (stopping) return;
  stopping = true;
  // handing a slot back: the connection closes first (ejabberd frees the slot), then the lock (the primary that
  // gets it connects and takes that slot); no farewell: the users' presence goes on with the other instances
  if (!handBack) void lock?.release();
  entity.reconnect.stop();
  if (entity.status === "online" && !handBack) await running.farewell();
  try {
    await entity.stop();
  } catch {
    /* already disconnected */
  }
  if (handBack) await lock?.release();
  // PostgreSQL: what is recorded is committed before the connections close
  if (hasGroupCommit(store)) await store.end().catch((e: Error) => log(`error: ${e.message}`));
  else store.close();
  log("stopped");
  process.exit(code);
}
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));

// Several instances (GEO_SLOTS): connect only while holding a slot's lock; until then this process is a standby
// whose memory follows the others' changes (LISTEN/NOTIFY). store/slot-lock.ts.
if (slots !== undefined) {
  log(`standby: waiting for a free slot of ${slots}`);
  const t0 = Date.now();
  lock = await takeSlot(db, domain, slots, role);
  if (stopping) process.exit(0);
  // the dead instance's viewers now reach this one: their temporary subscriptions are ours; and it wrote items
  // and presence nobody announced: reload before serving
  const adopted = await (store as PostgresStore).orphans("adopt");
  await (store as PostgresStore).resync();
  if (adopted) log(`adopted ${adopted} temporary subscription(s) of an instance that is gone`);
  log(`took slot ${lock.slot} of ${slots} after ${Date.now() - t0} ms; connecting`);
  // The slot's last holder may have died with its ejabberd node, whose sessions then ended unheard: ask them all
  // (xmpp/sessions.ts); each answer reaches the instance serving that user now. Asked again a few times: the other
  // nodes drop a lost node's sessions only once they notice it is down (at once when its connections close, up to
  // Erlang's net_ticktime, 60 s by default, when its machine vanished); until then a ping to one gets no answer.
  entity.once("online", () => {
    const rounds = [0, 1, 2, 4, 8, 16, 32, 64];
    const ask = (k: number) => {
      if (stopping || k >= rounds.length) return;
      setTimeout(
        () =>
          void (store as PostgresStore).sessions().then(
            (jids) => {
              if (stopping) return;
              running.askSessions(jids);
              if (k === 0)
                log(
                  `asked the ${jids.length} known session(s) whether they still exist (XEP-0199 ping); ` +
                    `again after ${rounds.slice(1).join(", ")} s`,
                );
              ask(k + 1);
            },
            (e: Error) => log(`error: reading the known sessions failed: ${e.message}`),
          ),
        (rounds[k] - (rounds[k - 1] ?? 0)) * 1000,
      );
    };
    ask(0);
  });
  // heartbeat for --status: what this instance serves now
  const held = lock;
  const beat = () => {
    const online = new Set(
      running.core
        .availableResources()
        .map((j) => j.split("/")[0])
        .filter((b) => running.core.node(b) !== undefined),
    );
    const temporary = running.core.heldTemporary();
    void (store as PostgresStore)
      .heartbeat({
        slot: held.slot,
        role: role ?? "primary",
        service,
        publishers: online.size,
        subscriptions: temporary,
        outbox: running.outbox.pending,
      })
      .catch((e: Error) => log(`error: writing the heartbeat failed: ${e.message}`));
  };
  entity.once("online", beat);
  setInterval(() => {
    if (!stopping && entity.status === "online") beat();
  }, HEARTBEAT_MS).unref();
  // a standby by role serves until a primary waits (an ejabberd node and its instance are back): then it hands the
  // slot over and exits 0, for its supervisor to start it again as a waiting standby
  if (role === "standby") {
    const check = setInterval(() => {
      void held.shouldYield().then(
        (yes) => {
          if (!yes || stopping) return;
          clearInterval(check);
          log(
            `a primary instance waits for a slot: handing slot ${held.slot} back and stopping ` +
              "(restart me as a standby)",
          );
          void shutdown(0, true);
        },
        () => {},
      ); // the lock's session failing is reported through `lost`
    }, 1000);
    check.unref();
  }
  void lock.lost.then((e) => {
    if (stopping) return;
    log(`error: lost the slot lock (${e.message}); stopping so that another instance can take the slot`);
    void shutdown(1);
  });
} else if (isPostgresUrl(db)) {
  // one instance: the temporary subscriptions of the previous run are this one's, confirmed with their sessions once
  // connected (xmpp/confirm.ts: XEP-0060 §12.5, they end with a session that is gone)
  await (store as PostgresStore).orphans("adopt");
}
// A failed first connect is reported by the "error" listener and retried like any dropped connection.
// startEntity, not entity.start(): that one can leave an unhandled rejection behind (see xmpp/start.ts).
startEntity(entity as unknown as Parameters<typeof startEntity>[0]).catch(() => {});
