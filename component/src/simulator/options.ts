// Command line and environment of the simulator: parsing, validation and the --help text. Pure.
import { parseArgs } from "node:util";
import { CITIES, DEFAULT_CITY, type Area } from "./places.ts";

/** How a simulated viewer subscribes (simulator/viewer.ts). */
export type ViewerMode = "plain" | "digest" | "area";
export const VIEWER_MODES: readonly ViewerMode[] = ["plain", "digest", "area"];

export type AccessModel = "open" | "whitelist" | "authorize";
/** How publishers answer a subscription request to an authorize node (XEP-0060 §8.6). */
export type AuthorizePolicy = "allow" | "deny" | "ignore";

export interface SimOptions {
  count: number;
  intervalS: number;
  area: Area;
  /** the first of `servers` */
  server: string;
  /** c2s addresses in order of preference (the nodes of an ejabberd cluster) */
  servers: string[];
  domain: string;
  service: string;
  prefix: string;
  password: string;
  register: boolean;
  churnPerMin: number;
  downtimeS: number;
  accessModel?: AccessModel;
  authorize: AuthorizePolicy;
  durationS: number;
  seed: number;
  concurrency: number;
  noteChance: number;
  timeoutMs: number;
  progressS: number;
  /** map viewers to run alongside (simulator/viewer.ts) */
  viewers: number;
  /** their modes, assigned in turn */
  viewerModes: ViewerMode[];
  digestMs: number;
}

export const HELP = `Usage: npm run simulate -- [options]

Plays many XEP-0080 publishers against a real XMPP server and the geo service: each is its own
@xmpp/client session (<prefix>0001@<domain>, ...) that sends presence to the service, accepts its
presence subscription and publishes smooth, realistic fixes (walkers, cyclists, vehicles).

Publishers
  -n, --count N           number of publishers                          (default 10)
  -i, --interval S        seconds between two fixes of one publisher    (default 1)
      --city NAME         area preset: ${Object.keys(CITIES).join(", ")}    (default ${DEFAULT_CITY})
      --center LAT,LON    centre of a custom area (overrides --city)
      --radius M          radius of the area in metres                  (default: the city's)
      --notes P           share of fixes with a text note and locality  (default 0.05)
Server
  -s, --server URI        c2s address                                   (default xmpp://127.0.0.1:5222)
                          several, comma-separated (the nodes of an ejabberd cluster): a publisher whose
                          connection is lost or refused logs in to the next one
  -d, --domain NAME       user domain                                   (default localhost)
      --service JID       the geo service JID                           (default geo.<domain>)
      --prefix TEXT       account name prefix                           (default sim-)
      --password PW       password of every simulated account           (default sim)
      --register          create missing accounts in-band (XEP-0077)    (default)
      --no-register       only log in; accounts must exist
      --access-model M    configure each node: open, whitelist or authorize (default: the service's default)
      --authorize P       answer subscription requests (authorize nodes): allow, deny or ignore (default allow)
Viewers (maps that subscribe to locations and presence and count what arrives)
      --viewers N         viewers to run, <prefix>view-0001...            (default 0)
      --viewer-mode M     plain, digest, area, or all (in turn)         (default all)
                          digest: pubsub#digest; area: geo#bbox = the inner half of the city
      --digest-ms MS      pubsub#digest_frequency of digest viewers      (default 1000)
Behaviour
      --churn R           churn events per publisher per minute: drop, logout, away, stop sharing
                          (default 0.2; 0 disables churn)
      --downtime S        mean seconds before a churned publisher comes back (default 20)
  -t, --duration S        stop after S seconds; 0 runs until Ctrl-C     (default 0)
      --seed N            seed for a reproducible run                   (default: random, printed)
      --concurrency N     logins in flight at once                      (default 50)
      --timeout MS        a publish not acknowledged within MS fails    (default 10000)
      --progress S        seconds between progress lines when not on a terminal (default 10)
  -h, --help              this text

Every option can also come from the environment as SIM_<NAME> (e.g. SIM_COUNT=100, SIM_NO_REGISTER=1).
Logins use SASL PLAIN (cheap; fine on loopback, use TLS elsewhere). Ctrl-C or SIGTERM stops cleanly: every
publisher sends unavailable. Exit code 1 when most publishes failed.

Examples
  npm run simulate -- -n 50 --city paris --churn 1
  npm run simulate -- -n 1000 -i 1 -t 60 --seed 42
  npm run simulate -- -n 500 --viewers 30 --viewer-mode all --digest-ms 1000 -t 60
`;

const spec = {
  count: { type: "string", short: "n" },
  interval: { type: "string", short: "i" },
  city: { type: "string" },
  center: { type: "string" },
  radius: { type: "string" },
  notes: { type: "string" },
  server: { type: "string", short: "s" },
  domain: { type: "string", short: "d" },
  service: { type: "string" },
  prefix: { type: "string" },
  password: { type: "string" },
  register: { type: "boolean" },
  "no-register": { type: "boolean" },
  "access-model": { type: "string" },
  authorize: { type: "string" },
  churn: { type: "string" },
  downtime: { type: "string" },
  duration: { type: "string", short: "t" },
  seed: { type: "string" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  progress: { type: "string" },
  viewers: { type: "string" },
  "viewer-mode": { type: "string" },
  "digest-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export type ParseResult = { kind: "ok"; options: SimOptions } | { kind: "help" } | { kind: "error"; message: string };

const envName = (k: string) => `SIM_${k.toUpperCase().replace(/-/g, "_")}`;

export function parseOptions(
  argv: string[],
  env: Record<string, string | undefined> = {},
  randomSeed = 1,
): ParseResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return { kind: "error", message: `${(err as Error).message}\nTry --help.` };
  }
  if (values.help) return { kind: "help" };
  const get = (k: keyof typeof spec): string | undefined => {
    const v = values[k];
    if (typeof v === "string") return v;
    if (v === true) return "1";
    return env[envName(k)] || undefined;
  };
  const problems: string[] = [];
  const num = (k: keyof typeof spec, dflt: number, check: (n: number) => boolean, what: string): number => {
    const raw = get(k);
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) {
      problems.push(`--${k} ${JSON.stringify(raw)}: expected ${what}`);
      return dflt;
    }
    return n;
  };
  const count = num("count", 10, (n) => Number.isInteger(n) && n >= 1 && n <= 100_000, "an integer from 1 to 100000");
  const intervalS = num("interval", 1, (n) => n >= 0.05 && n <= 3600, "seconds from 0.05 to 3600");
  const cityName = (get("city") ?? DEFAULT_CITY).toLowerCase().replace(/[^a-z]/g, "");
  let area = CITIES[cityName];
  if (!area) {
    problems.push(`--city ${JSON.stringify(get("city"))}: expected one of ${Object.keys(CITIES).join(", ")}`);
    area = CITIES[DEFAULT_CITY];
  }
  const center = get("center");
  if (center !== undefined) {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(center);
    const [lat, lon] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!m || Math.abs(lat) > 85 || Math.abs(lon) > 180)
      problems.push(`--center ${JSON.stringify(center)}: expected LAT,LON such as 52.52,13.405 (|lat| <= 85)`);
    else area = { lat, lon, radiusM: area.radiusM, localities: [] };
  }
  area = {
    ...area,
    radiusM: num("radius", area.radiusM, (n) => n >= 10 && n <= 1_000_000, "metres from 10 to 1000000"),
  };
  const domain = get("domain") ?? "localhost";
  const access = get("access-model");
  if (access !== undefined && !["open", "whitelist", "authorize"].includes(access)) {
    problems.push(`--access-model ${JSON.stringify(access)}: expected open, whitelist or authorize`);
  }
  const authorize = get("authorize") ?? "allow";
  if (!["allow", "deny", "ignore"].includes(authorize))
    problems.push(`--authorize ${JSON.stringify(authorize)}: expected allow, deny or ignore`);
  const servers = (get("server") ?? "xmpp://127.0.0.1:5222").split(",").map((s) => s.trim());
  for (const server of servers)
    if (!/^xmpp:\/\/[^/]+$/.test(server))
      problems.push(`--server ${JSON.stringify(server)}: expected xmpp://HOST:PORT (or several, comma-separated)`);
  const server = servers[0];
  const options: SimOptions = {
    count,
    intervalS,
    area,
    server,
    servers,
    domain,
    service: get("service") ?? `geo.${domain}`,
    prefix: get("prefix") ?? "sim-",
    password: get("password") ?? "sim",
    register: get("no-register") === undefined,
    churnPerMin: num("churn", 0.2, (n) => n >= 0 && n <= 60, "events per publisher per minute, 0 to 60"),
    downtimeS: num("downtime", 20, (n) => n >= 1 && n <= 86_400, "seconds from 1 to 86400"),
    accessModel: access as AccessModel | undefined,
    authorize: authorize as AuthorizePolicy,
    durationS: num("duration", 0, (n) => n >= 0, "seconds (0 = until Ctrl-C)"),
    seed: num(
      "seed",
      randomSeed,
      (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32,
      "an integer from 0 to 4294967295",
    ),
    concurrency: num(
      "concurrency",
      50,
      (n) => Number.isInteger(n) && n >= 1 && n <= 10_000,
      "an integer from 1 to 10000",
    ),
    noteChance: num("notes", 0.05, (n) => n >= 0 && n <= 1, "a share from 0 to 1"),
    timeoutMs: num("timeout", 10_000, (n) => n >= 100, "milliseconds, at least 100"),
    progressS: num("progress", 10, (n) => n > 0, "seconds"),
    viewers: num("viewers", 0, (n) => Number.isInteger(n) && n >= 0 && n <= 10_000, "an integer from 0 to 10000"),
    viewerModes: [...VIEWER_MODES],
    digestMs: num(
      "digest-ms",
      1000,
      (n) => Number.isInteger(n) && n >= 0 && n <= 86_400_000,
      "milliseconds from 0 to 86400000",
    ),
  };
  const modeName = get("viewer-mode") ?? "all";
  if (modeName !== "all" && !(VIEWER_MODES as readonly string[]).includes(modeName))
    problems.push(`--viewer-mode ${JSON.stringify(modeName)}: expected plain, digest, area or all`);
  options.viewerModes =
    modeName === "all" || !(VIEWER_MODES as readonly string[]).includes(modeName)
      ? [...VIEWER_MODES]
      : [modeName as ViewerMode];
  if (get("register") !== undefined && get("no-register") !== undefined)
    problems.push("--register and --no-register contradict each other");
  if (problems.length > 0) return { kind: "error", message: `${problems.join("\n")}\nTry --help.` };
  return { kind: "ok", options };
}

/** sim-0001, sim-0002, ...: at least four digits, more when the count needs them. */
export function accountName(prefix: string, i: number, count: number): string {
  return `${prefix}${String(i + 1).padStart(Math.max(4, String(count).length), "0")}`;
}
