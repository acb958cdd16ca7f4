// Serves the built live map (build.ts's static files) on 127.0.0.1 with node:http: a plain static server, as any web
// server would (GET/HEAD, byte ranges for .pmtiles). Builds first when client-web/dist is missing or older than its
// sources. Files are served from memory, so a concurrent rebuild cannot tear a response. `files` adds or replaces
// files (the demo's and the tests' config.json, a test's .pmtiles archive).
import { createServer, type Server } from "node:http";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { buildMap } from "./build.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "..");
const dist = join(here, "dist");
const STAMP = ".build-stamp";
// Everything the bundle is made of (the map reuses the component's browser-safe protocol and core code).
const SOURCES = [
  join(here, "src"),
  join(here, "index.html"),
  join(here, "sharing.html"),
  join(here, "vite.config.ts"),
  join(here, "build.ts"),
  join(repo, "component/src/protocol"),
  join(repo, "component/src/core"),
  join(repo, "package-lock.json"),
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".pmtiles": "application/octet-stream",
};

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function isFresh(): boolean {
  const stamp = join(dist, STAMP);
  if (!existsSync(stamp) || !existsSync(join(dist, "index.html"))) return false;
  return statSync(stamp).mtimeMs >= Math.max(...SOURCES.map(newestMtime));
}

function readTree(dir: string, into = new Map<string, Buffer>(), base = dir): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) readTree(p, into, base);
    else into.set("/" + relative(base, p).split(sep).join("/"), readFileSync(p));
  }
  return into;
}

let files: Promise<Map<string, Buffer>> | undefined;

/** The built map, file path -> bytes. Builds (once per process) when the cached build is missing or stale. */
export function mapFiles(): Promise<Map<string, Buffer>> {
  files ??= (async () => {
    if (isFresh()) {
      try {
        return readTree(dist);
      } catch {
        /* another process is replacing dist: build our own */
      }
    }
    const tmp = mkdtempSync(join(tmpdir(), "geo-map-build-"));
    try {
      await buildMap({ outDir: tmp });
      const tree = readTree(tmp);
      try {
        // refresh the cache for the next run; harmless if another process does the same
        rmSync(dist, { recursive: true, force: true });
        cpSync(tmp, dist, { recursive: true });
        chmodSync(dist, 0o755);
        writeFileSync(join(dist, STAMP), new Date().toISOString());
      } catch {
        /* the cache is an optimisation */
      }
      return tree;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  })();
  files.catch(() => {
    files = undefined;
  });
  return files;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

export interface WebServerOptions {
  /** 0 picks a free port */
  port: number;
  /** default 127.0.0.1 */
  host?: string;
  /** the config.json to serve (an object, written as JSON) instead of the build's */
  config?: unknown;
  /** more files, path -> bytes (e.g. "/basemap.pmtiles") */
  files?: Record<string, Buffer | string>;
  /** response headers on every file (e.g. a Content-Security-Policy) */
  headers?: Record<string, string>;
}

/** Starts the map's web server. */
export async function startWebServer({
  port,
  host = "127.0.0.1",
  config,
  files: extra,
  headers = {},
}: WebServerOptions): Promise<WebServer> {
  const tree = new Map(await mapFiles());
  if (config !== undefined) tree.set("/config.json", Buffer.from(JSON.stringify(config)));
  for (const [k, v] of Object.entries(extra ?? {})) tree.set(k, Buffer.from(v));
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const key = path.endsWith("/") ? `${path}index.html` : path;
    const body = tree.get(key);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (!body) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const common = {
      ...headers,
      "content-type": TYPES[extname(key)] ?? "application/octet-stream",
      "accept-ranges": "bytes",
      "cache-control": key.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    };
    // RFC 9110 §14.2: one byte range (what PMTiles readers ask for); anything else gets the whole file.
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (range && (range[1] || range[2])) {
      const start = range[1] ? Number(range[1]) : Math.max(0, body.length - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      if (start >= body.length || start > end) {
        res.writeHead(416, { ...common, "content-range": `bytes */${body.length}` }).end();
        return;
      }
      const part = body.subarray(start, end + 1);
      res.writeHead(206, {
        ...common,
        "content-length": part.length,
        "content-range": `bytes ${start}-${end}/${body.length}`,
      });
      res.end(req.method === "HEAD" ? undefined : part);
      return;
    }
    res.writeHead(200, { ...common, "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const { port: actual } = server.address() as { port: number };
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

// `npx tsx client-web/server.ts [port]`: serve the map on its own (PORT and HOST from the environment too).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  startWebServer({ port, host: process.env.HOST ?? "127.0.0.1" }).then(
    (s) => console.log(`live map on ${s.url} (settings: client-web/dist/config.json)`),
    (e: Error) => {
      console.error(`cannot serve the map: ${e.message}`);
      process.exit(1);
    },
  );
}
