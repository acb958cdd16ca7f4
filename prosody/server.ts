// Starts and stops a private Prosody for the demo, tests and benchmarks: own data dir, loopback, stopped by PID.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join, resolve } from "node:path";
import { prosodyConfig, type ProsodyConfigOptions } from "./config.ts";

export const PROSODY_INSTALL = "apt-get update && apt-get install -y prosody prosody-modules lua-dbi-sqlite3";

export function prosodyBinary(): string | undefined {
  for (const p of ["/usr/bin/prosody", "/usr/local/bin/prosody"]) if (existsSync(p)) return p;
  return undefined;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      ok(true);
    });
    s.once("error", () => ok(false));
  });
}

async function waitForPort(port: number, proc: ChildProcess, logFile: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : "(no log)";
      throw new Error(`prosody exited with code ${proc.exitCode} before listening on ${port}:\n${log}`);
    }
    if (await portInUse(port)) return;
    await new Promise((r) => setTimeout(r, 50)); // polling a port that another process opens: no event to wait for
  }
  throw new Error(`prosody did not listen on 127.0.0.1:${port} within ${timeoutMs} ms (log: ${logFile})`);
}

export interface Prosody {
  c2sPort: number;
  componentPort: number;
  httpPort: number;
  domain: string;
  component: string;
  componentSecret: string;
  dataDir: string;
  configFile: string;
  pid: number;
  /** xmpp://127.0.0.1:<c2s> */
  c2sService: string;
  /** xmpp://127.0.0.1:<component> */
  componentService: string;
  /** ws://127.0.0.1:<http>/xmpp-websocket */
  websocketUrl: string;
  register(user: string, password: string): void;
  stop(): Promise<void>;
  /** a crash: SIGKILL, so Prosody tells nobody that its sessions end */
  kill9(): Promise<void>;
}

export interface StartOptions extends Partial<ProsodyConfigOptions> {
  dataDir: string;
}

/** Starts `prosody -F` with a generated config. Throws (loudly) when Prosody is not installed. */
export async function startProsody(opts: StartOptions): Promise<Prosody> {
  const bin = prosodyBinary();
  if (!bin) throw new Error(`Prosody is not installed. Install it with: ${PROSODY_INSTALL}`);
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const o: ProsodyConfigOptions = {
    dataDir,
    c2sPort: opts.c2sPort ?? (await freePort()),
    componentPort: opts.componentPort ?? (await freePort()),
    httpPort: opts.httpPort ?? (await freePort()),
    domain: opts.domain ?? "localhost",
    component: opts.component ?? "geo.localhost",
    componentSecret: opts.componentSecret ?? `test-${Math.random().toString(36).slice(2)}`,
    virtualHostExtra: opts.virtualHostExtra,
    mirror: opts.mirror ?? false,
    prosodyGc: opts.prosodyGc ?? false,
    readSize: opts.readSize,
    httpFilesDir: opts.httpFilesDir,
  };
  for (const port of [o.c2sPort, o.componentPort, o.httpPort]) {
    if (await portInUse(port))
      throw new Error(`port 127.0.0.1:${port} is already in use (another Prosody still running?)`);
  }
  const configFile = join(dataDir, "prosody.cfg.lua");
  writeFileSync(configFile, prosodyConfig(o));
  const logFile = join(dataDir, "prosody.log");
  const proc = spawn(bin, ["-F", "--config", configFile], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d) => {
    stderr += d;
  });
  try {
    await waitForPort(o.c2sPort, proc, logFile);
    await waitForPort(o.componentPort, proc, logFile);
  } catch (err) {
    proc.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    ...o,
    configFile,
    pid: proc.pid!,
    c2sService: `xmpp://127.0.0.1:${o.c2sPort}`,
    componentService: `xmpp://127.0.0.1:${o.componentPort}`,
    websocketUrl: `ws://127.0.0.1:${o.httpPort}/xmpp-websocket`,
    register(user, password) {
      const r = spawnSync("prosodyctl", ["--config", configFile, "register", user, o.domain, password], {
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`prosodyctl register ${user}@${o.domain} failed: ${r.stderr || r.stdout}`);
    },
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}
