// Child processes of the bench (the real service, the pass-through component): spawned, awaited online, killed by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { readdirSync, readFileSync } from "node:fs";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const live = new Set<ChildProcess>();
const output = new WeakMap<ChildProcess, { text: string; waiters: Set<() => void> }>();

/** Starts `node --import tsx <script>` and resolves once its stdout shows `readyPattern`. */
export async function startChild(
  script: string,
  env: Record<string, string>,
  readyPattern: RegExp,
  timeoutMs = 20_000,
): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", resolve(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
  // the child's log is kept (its lines are few) so that a figure can wait for what the child reports
  const out = { text: "", waiters: new Set<() => void>() };
  output.set(proc, out);
  const onData = (d: Buffer) => {
    out.text += d.toString();
    for (const w of out.waiters) w();
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`${script} not ready within ${timeoutMs} ms:\n${out.text}`)),
      timeoutMs,
    );
    const check = () => {
      if (readyPattern.test(out.text)) {
        clearTimeout(timer);
        out.waiters.delete(check);
        ok();
      }
    };
    out.waiters.add(check);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`${script} exited with ${code} before ready:\n${out.text}`));
    });
    check();
  });
  return proc;
}

/**
 * Resolves with the first non-null result of `test` on what the child printed after character `from` (its log so
 * far is `childLog(proc).length` long), tried on every new output; rejects after `timeoutMs`.
 */
export function waitForOutput<T>(
  proc: ChildProcess,
  test: (printed: string) => T | null,
  from: number,
  timeoutMs = 10_000,
): Promise<T> {
  const out = output.get(proc)!;
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      out.waiters.delete(check);
      fail(new Error(`the child did not print what was awaited within ${timeoutMs} ms`));
    }, timeoutMs);
    function check() {
      const r = test(out.text.slice(from));
      if (r !== null) {
        clearTimeout(timer);
        out.waiters.delete(check);
        ok(r);
      }
    }
    out.waiters.add(check);
    check();
  });
}

/** what the child printed so far */
export function childLog(proc: ChildProcess): string {
  return output.get(proc)?.text ?? "";
}

export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  proc.kill("SIGTERM");
  const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}

/** Last-resort cleanup: every child started here and still alive, by its own PID. */
export function killAllChildren(): void {
  for (const p of live) if (p.exitCode === null) p.kill("SIGKILL");
}

/**
 * On Ctrl-C / SIGTERM: also every other direct child (Prosody, PostgreSQL, ejabberd, Chromium started by the support
 * runners, whose own stop() will not run), found by its parent PID in /proc.
 */
export function killEveryChild(): void {
  killAllChildren();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) process.kill(Number(entry), "SIGTERM");
    } catch {
      /* gone meanwhile */
    }
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // after "pid (comm) "
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Runs `fn` and reports each process's CPU use during it, in percent of one core. */
export async function withCpu<T>(
  pids: Record<string, number | undefined>,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: Record<string, number> }> {
  const self = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const read = () =>
    Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid === undefined ? self() : cpuSeconds(pid)]));
  const before = read();
  const t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000;
  const after = read();
  return { result, cpu: Object.fromEntries(Object.keys(pids).map((k) => [k, (100 * (after[k] - before[k])) / wall])) };
}
