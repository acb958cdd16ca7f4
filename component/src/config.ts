// The run contract: configuration from the environment, mirrored by flags (flags win).
import { parseArgs } from "node:util";
import { isAccessModel } from "./core/model.ts";
import { DEFAULT_SETTINGS, type Settings } from "./core/state.ts";

export interface Config {
  service: string;
  domain: string;
  secret: string;
  db: string;
  /** several instances on ejabberd: the domain_balancing component_number (undefined: one instance, no slot lock) */
  slots?: number;
  /** with slots: "standby" serves a slot only until an instance of role "primary" waits for one (store/slot-lock.ts) */
  role?: "primary" | "standby";
  /** --status: print the deployment's slots and instances (PostgreSQL) and exit */
  status?: boolean;
  settings: Settings;
}

export const HELP = `Usage: npm run component -- [options]

The geolocation presence service: an XEP-0114 component for Prosody that is an XEP-0060 pubsub service
for XEP-0080 locations, with publisher presence.

Options (each mirrors an environment variable; a flag wins over the variable):
  --service URL        GEO_SERVICE       Prosody's component port       (default xmpp://127.0.0.1:5347)
  --domain JID         GEO_DOMAIN        the service's JID              (default geo.localhost)
  --secret SECRET      GEO_SECRET        component_secret from Prosody's config (required)
  --db FILE|URL        GEO_DB            SQLite file, created with its folder (default var/geo.sqlite),
                                         or postgres://user:password@host:port/database (shared by
                                         several instances; the schema is created/migrated at start)
  --access-model M     GEO_ACCESS_MODEL  access model of new nodes: open | whitelist | authorize (default open)
  --domains LIST       GEO_DOMAINS       comma-separated user domains that may publish and view
                                         (default: the service domain minus its first label)
  --max-payload BYTES  GEO_MAX_PAYLOAD   largest accepted <geoloc/> in bytes (default 8192)
  --max-items N        GEO_MAX_ITEMS     history kept per publisher by default (default 20)
  --rate N             GEO_RATE          publishes per second per publisher, sustained; 0 = no limit (default 10)
  --burst N            GEO_BURST         publishes a publisher may send at once above the rate (default 20)
  --slots N            GEO_SLOTS         several instances on ejabberd (needs a postgres:// GEO_DB): ejabberd's
                                         domain_balancing component_number; an instance connects only
                                         once it holds a free slot's lock, otherwise it waits as a standby
  --role R             GEO_ROLE          with --slots: primary (default) or standby; a standby that holds a
                                         slot gives it back (and exits, to be restarted as a standby) when
                                         a primary waits, e.g. the instance of an ejabberd node that is back
  --status                               print which instances hold which slots, what each serves, its outbox
                                         and last commit (GEO_DB=postgres://...), then exit
  -h, --help           this text

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 fatal error, 2 bad configuration.`;

/** The operator's default abuse limit: generous for a phone or a vehicle (about one fix a second). */
export const RUN_RATE = { perSecond: 10, burst: 20 };

export class ConfigError extends Error {}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): Config | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: "string" },
      domain: { type: "string" },
      secret: { type: "string" },
      db: { type: "string" },
      "access-model": { type: "string" },
      domains: { type: "string" },
      "max-payload": { type: "string" },
      "max-items": { type: "string" },
      rate: { type: "string" },
      burst: { type: "string" },
      slots: { type: "string" },
      role: { type: "string" },
      status: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const secret = pick(values.secret, "GEO_SECRET");
  if (!secret && !values.status)
    throw new ConfigError(
      "GEO_SECRET is not set: give the component_secret of the Component section in Prosody's config " +
        "(GEO_SECRET=... or --secret ...)",
    );
  const domain = pick(values.domain, "GEO_DOMAIN") ?? "geo.localhost";
  const accessModel = pick(values["access-model"], "GEO_ACCESS_MODEL") ?? "open";
  if (!isAccessModel(accessModel))
    throw new ConfigError(`GEO_ACCESS_MODEL must be open, whitelist or authorize, not "${accessModel}"`);
  const parentDomain = domain.includes(".") ? domain.slice(domain.indexOf(".") + 1) : domain;
  const domains = (pick(values.domains, "GEO_DOMAINS") ?? parentDomain)
    .split(",")
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  if (!domains.length) throw new ConfigError("GEO_DOMAINS is empty");
  const int = (raw: string | undefined, name: string, fallback: number, min: number, max: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
    return n;
  };
  const maxPayloadBytes = int(
    pick(values["max-payload"], "GEO_MAX_PAYLOAD"),
    "GEO_MAX_PAYLOAD",
    DEFAULT_SETTINGS.maxPayloadBytes,
    256,
    1 << 20,
  );
  const maxItems = int(
    pick(values["max-items"], "GEO_MAX_ITEMS"),
    "GEO_MAX_ITEMS",
    DEFAULT_SETTINGS.defaults.maxItems,
    1,
    DEFAULT_SETTINGS.maxItemsLimit,
  );
  const perSecond = int(pick(values.rate, "GEO_RATE"), "GEO_RATE", RUN_RATE.perSecond, 0, 100_000);
  const burst = int(pick(values.burst, "GEO_BURST"), "GEO_BURST", RUN_RATE.burst, 1, 100_000);
  const db = pick(values.db, "GEO_DB") ?? "var/geo.sqlite";
  const rawSlots = pick(values.slots, "GEO_SLOTS");
  const slots = rawSlots === undefined ? undefined : int(rawSlots, "GEO_SLOTS", 1, 1, 1000);
  if (slots !== undefined && !/^postgres(ql)?:\/\//.test(db))
    throw new ConfigError("GEO_SLOTS needs GEO_DB=postgres://... (the instances share it and its locks)");
  const role = pick(values.role, "GEO_ROLE");
  if (role !== undefined && role !== "primary" && role !== "standby")
    throw new ConfigError(`GEO_ROLE ${JSON.stringify(role)}: expected primary or standby`);
  if (role !== undefined && slots === undefined)
    throw new ConfigError("GEO_ROLE needs GEO_SLOTS (a role is about who holds a slot)");
  return {
    service: pick(values.service, "GEO_SERVICE") ?? "xmpp://127.0.0.1:5347",
    domain,
    secret: secret ?? "",
    db,
    ...(values.status && { status: true }),
    ...(slots !== undefined && { slots, role: (role ?? "primary") as "primary" | "standby" }),
    settings: {
      ...DEFAULT_SETTINGS,
      domains: new Set(domains),
      maxPayloadBytes,
      rate: { perSecond, burst },
      defaults: { ...DEFAULT_SETTINGS.defaults, accessModel, maxItems },
    },
  };
}
