// A private PostgreSQL for tests: its own cluster in a temp dir, loopback only, a direct child process stopped by PID.
// PostgreSQL refuses to run as root, so initdb and postgres run as Debian's `postgres` user (spawn's uid/gid: no
// su/runuser in between, so the PID we hold is the postmaster's own and SIGINT reaches it, not a wrapper that
// would turn it into SIGTERM = "smart" shutdown waiting for clients).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "../../prosody/server.ts";

export const POSTGRES_INSTALL = "apt-get update && apt-get install -y postgresql";
const BIN = "/usr/lib/postgresql/15/bin";

export interface Postgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** a fresh database in this cluster; returns its URL (one per test file or test keeps them independent) */
  createDatabase(name: string): Promise<string>;
  /** fast shutdown (SIGINT), waits for the exit, removes the directory */
  stop(): Promise<void>;
}

function userIds(name: string): { uid: number; gid: number } {
  const u = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (u.status !== 0 || g.status !== 0)
    throw new Error(`no system user "${name}": is PostgreSQL installed? Install it with: ${POSTGRES_INSTALL}`);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** `dataDir` and `port` given: a restart of an earlier instance (its data is kept; stop() leaves the dir). */
export async function startPostgres(opts: { dataDir?: string; port?: number } = {}): Promise<Postgres> {
  if (!existsSync(join(BIN, "postgres")) || !existsSync(join(BIN, "initdb"))) {
    throw new Error(`PostgreSQL 15 is not installed (${BIN}/postgres missing). Install it with: ${POSTGRES_INSTALL}`);
  }
  const ids = userIds("postgres");
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "geo-pg-"));
  chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, "data");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" };
  if (!existsSync(join(data, "PG_VERSION"))) {
    // trust on loopback: TESTS ONLY (the listener is 127.0.0.1 and the socket dir is private)
    const init = spawnSync(
      join(BIN, "initdb"),
      ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
      { ...ids, env, cwd: dir, encoding: "utf8" },
    );
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}):\n${init.stderr}${init.stdout}`);
  }
  const port = opts.port ?? (await freePort());
  // fsync=off and full_page_writes=off: TESTS ONLY. They make a crash of the *machine* lose data; a killed client
  // or a killed postgres still loses nothing committed (the WAL is written to the OS before COMMIT returns).
  // synchronous_commit stays on (the default), as in production.
  const proc: ChildProcess = spawn(
    join(BIN, "postgres"),
    [
      "-D",
      data,
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "fsync=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
      "-c",
      "shared_buffers=32MB",
    ],
    { ...ids, env, cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`postgres did not become ready within 20 s:\n${log}`));
    }, 20_000);
    proc.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      if (log.includes("database system is ready to accept connections")) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`postgres exited (${code}) before it was ready:\n${log}`));
    });
  });
  proc.stderr!.removeAllListeners("data");
  proc.stderr!.resume(); // keep draining the log so postgres never blocks on a full pipe
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    pid: proc.pid!,
    dataDir: dir,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await c.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGINT"); // fast shutdown: open sessions are rolled back and closed
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One query on a connection of its own (closed afterwards). */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}
