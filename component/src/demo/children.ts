// Child processes of the demo: spawned with their output in a log file (optionally echoed with a prefix),
// stopped by PID: SIGTERM, then SIGKILL after a grace period.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  args: string[];
  env?: Record<string, string>;
  logFile: string;
  cwd: string;
  /** echo each output line to the terminal with this prefix */
  echo?: (line: string) => void;
}

/** Runs a TypeScript entry point with this Node and tsx (`node --import tsx file.ts ...`). */
export function spawnTs(o: SpawnOptions): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", ...o.args], {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a Ctrl-C in the terminal reaches only the demo, which stops children in order.
    detached: true,
  });
  const log = createWriteStream(o.logFile, { flags: "a" });
  log.write(`--- ${new Date().toISOString()} ${o.name}: node --import tsx ${o.args.join(" ")}\n`);
  let partial = "";
  const onData = (d: Buffer) => {
    log.write(d);
    if (!o.echo) return;
    const text = partial + d.toString("utf8").replace(/\r/g, "\n");
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) if (l.trim()) o.echo(l);
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code, signal) => {
      log.end(`--- exited with ${signal ?? code}\n`);
      resolve(code);
    }),
  );
  return {
    name: o.name,
    proc,
    pid: proc.pid!,
    logFile: o.logFile,
    exited,
    async stop(graceMs = 8000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join("\n");
}

/** True when a process with this PID exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
