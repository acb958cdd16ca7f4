// The map's settings: config.json next to index.html, read once at start (written by `npm run map:build`, edited by
// the operator). Nothing here comes from the query string: a password never travels in a URL.
//
// {
//   "websocket": "wss://example.org/xmpp-websocket",  // "" = same origin as the page, path /xmpp-websocket
//   "service": "geo.example.org",                      // the geo service's JID
//   "domain": "example.org",                           // user domain: "alice" in the login form means
//                                                      // alice@example.org
//   "basemap": { "type": "offline" }                   // or { "type": "tiles", "url": ".../{z}/{x}/{y}.png",
//                                                      //      "attribution": "..." }
//                                                      // or { "type": "pmtiles", "url": "basemap.pmtiles",
//                                                      //      "attribution": "..." }
//   "staleAfterSeconds": 120, "trailLength": 50, "digestMs": 250,
//   "followView": true,                                // the subscription's area follows the view (geo#bbox);
//                                                      // false: every publisher the viewer may see, whatever the view
//   "demo": { "jid": "viewer@localhost", "password": "viewer" }   // the local demo only: pre-fills the login form
// }
export type Basemap =
  | { type: "offline" }
  | { type: "tiles"; url: string; attribution: string; maxZoom?: number }
  | { type: "pmtiles"; url: string; attribution: string; maxZoom?: number };

export interface MapConfig {
  /** the WebSocket URL the login form starts with */
  websocket: string;
  service: string;
  domain: string;
  basemap: Basemap;
  staleAfterMs: number;
  trailLength: number;
  /** the digest period asked of the service (XEP-0060 §6.3 pubsub#digest_frequency), ms */
  digestMs: number;
  /** the `locations` subscription's area (geo#bbox) follows the padded view; false: no area */
  followView: boolean;
  /** pre-filled login (the local demo's viewer only) */
  demo?: { jid: string; password: string };
}

export const DEFAULTS = {
  staleAfterSeconds: 120,
  trailLength: 50,
  digestMs: 250,
};

export class ConfigError extends Error {}

function positive(v: unknown, fallback: number, name: string): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
    throw new ConfigError(`config.json: "${name}" must be a positive number, not ${JSON.stringify(v)}`);
  return v;
}

function flag(v: unknown, fallback: boolean, name: string): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean")
    throw new ConfigError(`config.json: "${name}" must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

function text(v: unknown, name: string, fallback = ""): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string") throw new ConfigError(`config.json: "${name}" must be a string, not ${JSON.stringify(v)}`);
  return v.trim();
}

/** The page's own origin as a WebSocket URL: where Prosody serves both (mod_http_files next to mod_websocket). */
export function sameOriginWebsocket(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/xmpp-websocket`;
}

function basemap(v: unknown): Basemap {
  if (v === undefined || v === null) return { type: "offline" };
  const b = v as Record<string, unknown>;
  const type = b.type ?? "offline";
  if (type === "offline") return { type };
  if (type === "tiles" || type === "pmtiles") {
    const url = text(b.url, "basemap.url");
    if (!url) throw new ConfigError(`config.json: basemap type "${type}" needs a "url"`);
    if (type === "tiles" && !(url.includes("{z}") && url.includes("{x}") && url.includes("{y}"))) {
      throw new ConfigError(`config.json: basemap.url ${JSON.stringify(url)} must be a template with {z}, {x} and {y}`);
    }
    const maxZoom = b.maxZoom === undefined ? undefined : positive(b.maxZoom, 19, "basemap.maxZoom");
    return { type, url, attribution: text(b.attribution, "basemap.attribution"), maxZoom };
  }
  throw new ConfigError(
    `config.json: basemap.type must be "offline", "tiles" or "pmtiles", not ${JSON.stringify(type)}`,
  );
}

/** Checks and completes a parsed config.json. */
export function parseConfig(raw: unknown, loc: { protocol: string; host: string }): MapConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError("config.json must hold a JSON object");
  const c = raw as Record<string, unknown>;
  const service = text(c.service, "service");
  if (!service)
    throw new ConfigError(`config.json: "service" (the geo service's JID, e.g. geo.example.org) is missing`);
  const demo = c.demo as Record<string, unknown> | undefined;
  return {
    websocket: text(c.websocket, "websocket") || sameOriginWebsocket(loc),
    service,
    domain: text(c.domain, "domain"),
    basemap: basemap(c.basemap),
    staleAfterMs: positive(c.staleAfterSeconds, DEFAULTS.staleAfterSeconds, "staleAfterSeconds") * 1000,
    trailLength: Math.round(positive(c.trailLength, DEFAULTS.trailLength, "trailLength")),
    digestMs: Math.round(positive(c.digestMs, DEFAULTS.digestMs, "digestMs")),
    followView: flag(c.followView, true, "followView"),
    demo: demo ? { jid: text(demo.jid, "demo.jid"), password: text(demo.password, "demo.password") } : undefined,
  };
}

/** Fetches config.json from next to the page. */
export async function loadConfig(): Promise<MapConfig> {
  let res: Response;
  try {
    res = await fetch("config.json", { cache: "no-cache" });
  } catch (err) {
    throw new ConfigError(`cannot load config.json: ${(err as Error).message}`);
  }
  if (!res.ok)
    throw new ConfigError(
      `cannot load config.json: HTTP ${res.status} (put it next to index.html; npm run map:build writes one)`,
    );
  let raw: unknown;
  try {
    raw = await res.json();
  } catch (err) {
    throw new ConfigError(`config.json is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, location);
}
