// Before the demo starts anything: Prosody installed (install it as root), ports free (say who holds them).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { PROSODY_INSTALL, portInUse, prosodyBinary } from "../../../prosody/server.ts";
import { alive } from "./children.ts";

export class DemoError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Installs Prosody from Debian's packages when it is missing and we are root; otherwise explains how. */
export function ensureProsody(log: (l: string) => void): void {
  if (prosodyBinary()) return;
  const root = process.getuid?.() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    throw new DemoError(
      `Prosody is not installed. Install it (as root, on Debian/Ubuntu) with:\n  ${PROSODY_INSTALL}\n` +
        "then run npm run demo again.",
    );
  }
  log(`Prosody is missing: installing it from Debian's packages (${PROSODY_INSTALL})`);
  // Debian's package starts its own system-wide Prosody on 5222: stop it afterwards, ours uses its own config.
  const r = spawnSync("sh", ["-c", `${PROSODY_INSTALL} && (service prosody stop >/dev/null 2>&1 || true)`], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.status !== 0 || !prosodyBinary()) {
    throw new DemoError(`installing Prosody failed (exit ${r.status}). Run by hand:\n  ${PROSODY_INSTALL}`);
  }
  log("Prosody installed");
}

export interface PreviousRun {
  demo: number;
  [name: string]: number;
}

export function readPids(file: string): PreviousRun | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PreviousRun;
  } catch {
    return undefined;
  }
}

function holder(port: number): string | undefined {
  const r = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
  const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(r.stdout ?? "");
  return m ? `${m[1]} (pid ${m[2]})` : undefined;
}

/** Throws a DemoError naming every busy port, who holds it and what to do. */
export async function checkPorts(ports: Record<string, number>, pidsFile: string): Promise<void> {
  const busy: string[] = [];
  for (const [what, port] of Object.entries(ports)) {
    if (await portInUse(port))
      busy.push(`  127.0.0.1:${port} (${what}) is in use${holder(port) ? ` by ${holder(port)}` : ""}`);
  }
  if (busy.length === 0) return;
  const prev = readPids(pidsFile);
  const live = prev ? Object.entries(prev).filter(([, pid]) => alive(pid)) : [];
  let advice: string;
  if (live.length > 0) {
    const pids = live.map(([, pid]) => pid).join(" ");
    advice =
      `A previous "npm run demo" is still running (${live.map(([n, p]) => `${n} ${p}`).join(", ")}).\n` +
      `Stop it with Ctrl-C in its terminal, or: kill ${pids}`;
  } else {
    advice =
      "Stop whatever holds these ports (ss -ltnp shows it; Debian's own Prosody: service prosody stop), " +
      "then run npm run demo again.";
  }
  throw new DemoError(`cannot start the demo:\n${busy.join("\n")}\n${advice}`);
}
