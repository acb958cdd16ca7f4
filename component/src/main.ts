// `npm run component`: start the service next to Prosody.
import { component } from "@xmpp/component";
import { HELP, readConfig, type Config } from "./config.ts";
import { openSqliteStore } from "./store/sqlite.ts";
import { createService } from "./xmpp/service.ts";

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
const { service, domain, secret, db, settings } = config;

const store = openSqliteStore(db);
const entity = component({ service, domain, password: secret });
const running = createService({ entity, store, settings, log });
log(`geo-presence ${domain}: ${running.core.publishers().length} publishers in ${db}; users of ${[...settings.domains].join(", ")}; new nodes ${settings.defaults.accessModel}`);

// Reconnect with backoff: 1 s, doubling to 30 s, back to 1 s once online. The state is in memory and in the store.
entity.reconnect.on("reconnecting", () => { entity.reconnect.delay = Math.min(entity.reconnect.delay * 2, 30_000); });
entity.on("online", () => { entity.reconnect.delay = 1000; log(`connected to ${service} as ${domain}`); });
entity.on("disconnect", () => log(`disconnected from ${service}; retrying in ${entity.reconnect.delay / 1000} s`));
entity.on("error", (err: Error & { condition?: string }) => {
  if (err.condition === "not-authorized") {
    log(`error: Prosody refused the handshake for ${domain}: check that GEO_SECRET equals the component_secret of Component "${domain}"`);
    void shutdown(1);
    return;
  }
  log(`error: ${err.message}`);
});

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  entity.reconnect.stop();
  try { await entity.stop(); } catch { /* already disconnected */ }
  store.close();
  log("stopped");
  process.exit(code);
}
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));

entity.start().catch((e: Error) => log(`error: cannot connect to ${service}: ${e.message} (is Prosody running with a Component "${domain}" section?); retrying`));
