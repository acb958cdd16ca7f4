// `npm run demo`: a private Prosody, the service, 50 simulated publishers and the live map, on 127.0.0.1.
// Ctrl-C stops every process it started, by PID.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startProsody, type Prosody } from "../../../prosody/server.ts";
import { startWebServer } from "../../../client-web/server.ts";
import { registerAccount } from "../simulator/register.ts";
import { accountName } from "../simulator/options.ts";
import { CITIES } from "../simulator/places.ts";
import { spawnTs, tail, type Child } from "./children.ts";
import { DemoError, checkPorts, ensureProsody } from "./preflight.ts";
import { waitForService } from "./ready.ts";

const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const VAR = join(ROOT, "var/demo");
const PIDS = join(VAR, "pids.json");
const PORTS = { "XMPP c2s": 5222, "XMPP component": 5347, "Prosody HTTP/WebSocket": 5280, "web map": 8080 };
const DOMAIN = "localhost";
const SERVICE = "geo.localhost";
const VIEWER = { user: "viewer", password: "viewer" };
const HELP = `Usage: npm run demo [-- --publishers N --city NAME --mirror]

Starts, on 127.0.0.1 only: a private Prosody (c2s 5222, component 5347, HTTP/WebSocket 5280; data in var/demo),
the geo service, the live map on http://localhost:8080 and N simulated publishers (default 50) around a city
(berlin, paris, tokyo, saopaulo; default berlin). Installs Prosody from Debian's packages when missing (as root).
Log in to the map as viewer@localhost, password viewer. Ctrl-C stops everything it started.
--mirror grants the service XEP-0356 privileges (mod_privilege): fixes are also written to publishers' PEP nodes.
Start afresh (accounts, stored locations): stop the demo, then delete var/demo.
`;

let args: { publishers?: string; city?: string; mirror?: boolean; help?: boolean };
try {
  args = parseArgs({
    options: {
      publishers: { type: "string", short: "n" },
      city: { type: "string" },
      mirror: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (err) {
  console.error(`demo: ${(err as Error).message}\n${HELP}`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const PUBLISHERS = Number(args.publishers ?? 50);
const CITY = args.city ?? "berlin";
if (!(CITY in CITIES)) {
  console.error(`demo: --city ${JSON.stringify(CITY)}: expected one of ${Object.keys(CITIES).join(", ")}`);
  process.exit(2);
}
if (!Number.isInteger(PUBLISHERS) || PUBLISHERS < 1) {
  console.error(`demo: --publishers ${JSON.stringify(args.publishers)}: expected a positive integer`);
  process.exit(2);
}

const say = (l: string) => console.log(`demo: ${l}`);

let prosody: Prosody | undefined;
let web: { url: string; close(): Promise<void> } | undefined;
const children: Child[] = [];
let stopping: Promise<void> | undefined;

let wrotePids = false;
function savePids(): void {
  wrotePids = true;
  const pids: Record<string, number> = { demo: process.pid };
  if (prosody) pids.prosody = prosody.pid;
  for (const c of children) pids[c.name] = c.pid;
  writeFileSync(PIDS, `${JSON.stringify(pids)}\n`);
}

/** Stops in reverse order of start: publishers log out while the service still listens. */
function stopAll(code: number): Promise<void> {
  stopping ??= (async () => {
    for (const c of [...children].reverse()) {
      say(`stopping ${c.name} (pid ${c.pid})`);
      await c.stop();
    }
    if (web) {
      say("stopping the web map");
      await web.close().catch(() => {});
    }
    if (prosody) {
      say(`stopping prosody (pid ${prosody.pid})`);
      await prosody.stop();
    }
    if (wrotePids) {
      rmSync(PIDS, { force: true });
      say("everything stopped");
    }
    process.exit(code);
  })();
  return stopping;
}

async function main(): Promise<void> {
  ensureProsody(say);
  mkdirSync(VAR, { recursive: true });
  await checkPorts(PORTS, PIDS);

  say("starting prosody");
  const secret = randomBytes(18).toString("base64url");
  prosody = await startProsody({
    dataDir: join(VAR, "prosody"),
    c2sPort: PORTS["XMPP c2s"],
    componentPort: PORTS["XMPP component"],
    httpPort: PORTS["Prosody HTTP/WebSocket"],
    domain: DOMAIN,
    component: SERVICE,
    componentSecret: secret,
    mirror: args.mirror ?? false,
  });
  savePids();
  const viewer = await registerAccount(prosody.c2sService, DOMAIN, VIEWER.user, VIEWER.password);
  const there = 'already there (if its password is not "viewer", delete var/demo to start afresh)';
  say(`account viewer@${DOMAIN}: ${viewer === "created" ? "created" : there}`);

  say("starting the geo service");
  const component = spawnTs({
    name: "component",
    cwd: ROOT,
    args: ["component/src/main.ts"],
    logFile: join(VAR, "component.log"),
    env: {
      GEO_SERVICE: prosody.componentService,
      GEO_DOMAIN: SERVICE,
      GEO_SECRET: secret,
      GEO_DB: join(VAR, "geo.sqlite"),
      GEO_ACCESS_MODEL: "open",
    },
  });
  children.push(component);
  savePids();
  await waitForService(
    { server: prosody.c2sService, domain: DOMAIN, ...VIEWER, service: SERVICE },
    30_000,
    component.exited,
  ).catch((err) => {
    throw new DemoError(
      `the geo service did not come up: ${(err as Error).message}\n  ${component.logFile}:\n${tail(component.logFile)}`,
      1,
    );
  });
  say(`service ${SERVICE} answers`);

  say("starting the web map (builds it first if needed)");
  try {
    // The demo's own config.json: this Prosody's WebSocket, and the login form pre-filled with the local viewer
    // (config.json of a deployment has no "demo" part: a password is never in a file the server hands out).
    web = await startWebServer({
      port: PORTS["web map"],
      host: "127.0.0.1",
      config: {
        websocket: `ws://localhost:${PORTS["Prosody HTTP/WebSocket"]}/xmpp-websocket`,
        service: SERVICE,
        domain: DOMAIN,
        basemap: { type: "offline" },
        demo: { jid: `${VIEWER.user}@${DOMAIN}`, password: VIEWER.password },
      },
    });
  } catch (err) {
    say(`the web map did not start: ${(err as Error).message} (the rest of the demo keeps running)`);
  }

  say(`starting ${PUBLISHERS} simulated publishers`);
  const simulator = spawnTs({
    name: "simulator",
    cwd: ROOT,
    logFile: join(VAR, "simulator.log"),
    args: [
      "component/src/simulator/main.ts",
      "--count",
      String(PUBLISHERS),
      "--city",
      CITY,
      "--churn",
      "0.5",
      "--downtime",
      "20",
      "--server",
      prosody.c2sService,
      "--domain",
      DOMAIN,
      "--service",
      SERVICE,
      "--progress",
      "30",
    ],
    echo: (l) => console.log(`  [simulator] ${l}`),
  });
  children.push(simulator);
  savePids();

  for (const c of children) {
    void c.exited.then((code) => {
      if (stopping) return;
      console.error(
        `demo: ${c.name} (pid ${c.pid}) exited unexpectedly with ${code}; ` +
          `last lines of ${c.logFile}:\n${tail(c.logFile)}`,
      );
      void stopAll(1);
    });
  }

  const mapUrl = web ? web.url.replace("127.0.0.1", "localhost") : "(not running, see above)";
  const db = join(VAR, "geo.sqlite");
  const serviceLine =
    `${SERVICE} (component port ${prosody.componentPort}), pid ${component.pid}, ` +
    `db ${db}, log ${component.logFile}`;
  const sims = `${accountName("sim-", 0, PUBLISHERS)}..${accountName("sim-", PUBLISHERS - 1, PUBLISHERS)}@${DOMAIN}`;
  console.log(`
geo presence demo is running (all on 127.0.0.1):
  web map      ${mapUrl}
               log in as viewer@${DOMAIN}, password ${VIEWER.password} (the form is pre-filled)
  XMPP         c2s 127.0.0.1:${prosody.c2sPort}, WebSocket ${prosody.websocketUrl} (domain ${DOMAIN})
  prosody      pid ${prosody.pid}, data ${prosody.dataDir}, log ${join(prosody.dataDir, "prosody.log")}
  service      ${serviceLine}
  publishers   ${PUBLISHERS} simulated, ${sims} password sim, pid ${simulator.pid}, log ${simulator.logFile}
Ctrl-C stops everything.
`);
}

let firstInterrupt = 0;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    // npm and tsx relay the terminal's Ctrl-C, so one keypress can arrive twice: only a later one forces.
    if (firstInterrupt && Date.now() - firstInterrupt < 2000) return;
    if (firstInterrupt) {
      console.error("demo: interrupted again: killing what is left");
      for (const c of children) c.proc.kill("SIGKILL");
      if (prosody) process.kill(prosody.pid, "SIGKILL");
      process.exit(130);
    }
    firstInterrupt = Date.now();
    console.log("");
    void stopAll(0);
  });
}

main().catch(async (err) => {
  console.error(`demo: ${err instanceof DemoError ? err.message : (err as Error).stack}`);
  await stopAll(err instanceof DemoError ? err.exitCode : 1);
});
