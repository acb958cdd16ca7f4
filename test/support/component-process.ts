// The component as an operator runs it (`npm run component`'s entry point) in a child process, for tests that kill
// it, restart it or watch its memory.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import type { Prosody } from "../../prosody/server.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
export const MAIN = ["--import", "tsx", "component/src/main.ts"];

export interface ComponentProcess {
  proc: ChildProcess;
  /** resolves once the component logged its n-th "connected" line */
  connected(n: number): Promise<void>;
  /** resolves once a line containing `text` was logged */
  logged(text: string, timeoutMs?: number): Promise<void>;
  /** resolves once the output so far satisfies `pred` */
  until(pred: (output: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  output(): string;
  /** true while the process runs */
  alive(): boolean;
  kill9(): Promise<void>;
  /** a clean stop (SIGTERM, as systemd stops it); resolves once the process exited */
  stop(): Promise<void>;
}

export function startComponent(
  prosody: Pick<Prosody, "componentService" | "componentSecret">,
  db: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): ComponentProcess {
  const proc = spawn(process.execPath, [...nodeArgs, ...MAIN], {
    cwd: ROOT,
    // GEO_RATE=0 unless a test asks: tests publish far above the per-publisher abuse limit on purpose
    env: {
      ...process.env,
      GEO_SERVICE: prosody.componentService,
      GEO_SECRET: prosody.componentSecret,
      GEO_DB: db,
      GEO_RATE: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const waiters: Array<{ done(): boolean; resolve(): void }> = [];
  const count = () => out.split("\n").filter((l) => l.includes(" connected to ")).length;
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters])
      if (w.done()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const wait = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const t = setTimeout(() => reject(new Error(`component: timed out waiting for ${what}:\n${out}`)), timeoutMs);
      waiters.push({
        done,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  return {
    proc,
    output: () => out,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    connected: (n) => wait(() => count() >= n, `connection #${n}`, 30_000),
    logged: (text, timeoutMs = 30_000) => wait(() => out.includes(text), JSON.stringify(text), timeoutMs),
    until: (pred, what, timeoutMs = 30_000) => wait(() => pred(out), what, timeoutMs),
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** The first of `ps` to take a slot (a standby logs "took slot"); the others keep waiting. */
export const tookSlot = (ps: ComponentProcess[], ms = 5000) =>
  new Promise<ComponentProcess>((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`no standby took a slot within ${ms} ms:\n${ps.map((p) => p.output()).join("\n")}`)),
      ms,
    );
    for (const p of ps)
      p.logged("took slot", ms).then(
        () => {
          clearTimeout(t);
          resolve(p);
        },
        () => {},
      );
  });

/** The operator's view (`npm run component -- --status`) of the instances sharing the PostgreSQL `db`. */
export const componentStatus = (db: string) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [...MAIN, "--status"],
      { cwd: ROOT, env: { ...process.env, GEO_DB: db } },
      (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out)),
    ),
  );

/** When `p` logged the first line containing `text` (a log line starts with its ISO time). */
export const loggedAt = (p: ComponentProcess, text: string) =>
  Date.parse(
    p
      .output()
      .split("\n")
      .find((l) => l.includes(text))!
      .slice(0, 24),
  );
