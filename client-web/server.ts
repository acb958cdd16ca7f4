// Serves the built live map on 127.0.0.1 with node:http. Builds it with Vite first when client-web/dist is
// missing or older than its sources. Files are served from memory, so a concurrent rebuild cannot tear a response.
import { createServer, type Server } from "node:http";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "..");
const dist = join(here, "dist");
const STAMP = ".build-stamp";
// Everything the bundle is made of (the map reuses the component's browser-safe protocol and core code).
const SOURCES = [join(here, "src"), join(here, "index.html"), join(here, "vite.config.ts"),
  join(repo, "component/src/protocol"), join(repo, "component/src/core"), join(repo, "package-lock.json")];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".map": "application/json", ".png": "image/png", ".svg": "image/svg+xml",
  ".ico": "image/x-icon", ".woff2": "font/woff2",
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

async function buildInto(outDir: string): Promise<void> {
  const { build } = await import("vite");
  await build({ configFile: join(here, "vite.config.ts"), build: { outDir, emptyOutDir: true }, logLevel: "warn" });
}

let files: Promise<Map<string, Buffer>> | undefined;

/** The built map, file path -> bytes. Builds (once per process) when the cached build is missing or stale. */
export function mapFiles(): Promise<Map<string, Buffer>> {
  files ??= (async () => {
    if (isFresh()) {
      try { return readTree(dist); } catch { /* another process is replacing dist: build our own */ }
    }
    const tmp = mkdtempSync(join(tmpdir(), "geo-map-build-"));
    try {
      await buildInto(tmp);
      const tree = readTree(tmp);
      try { // refresh the cache for the next run; harmless if another process does the same
        rmSync(dist, { recursive: true, force: true });
        cpSync(tmp, dist, { recursive: true });
        chmodSync(dist, 0o755);
        writeFileSync(join(dist, STAMP), new Date().toISOString());
      } catch { /* the cache is an optimisation */ }
      return tree;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  })();
  files.catch(() => { files = undefined; });
  return files;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the map's web server. `port` 0 picks a free port; `host` defaults to 127.0.0.1. */
export async function startWebServer({ port, host = "127.0.0.1" }: { port: number; host?: string }): Promise<WebServer> {
  const tree = await mapFiles();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const key = path === "/" ? "/index.html" : path;
    const body = tree.get(key);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (!body) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    } else {
      res.writeHead(200, {
        "content-type": TYPES[extname(key)] ?? "application/octet-stream",
        "content-length": body.length,
        "cache-control": key.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => { server.off("error", fail); ok(); });
  });
  const { port: actual } = server.address() as { port: number };
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/`,
    close: () => new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    }),
  };
}

// `npx tsx client-web/server.ts [port]`: serve the map on its own (PORT and HOST from the environment too).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  startWebServer({ port, host: process.env.HOST ?? "127.0.0.1" }).then(
    (s) => console.log(`live map on ${s.url} (log in, or add ?jid=...&password=... for the local demo)`),
    (e: Error) => { console.error(`cannot serve the map: ${e.message}`); process.exit(1); },
  );
}
