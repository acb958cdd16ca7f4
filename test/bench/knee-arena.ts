// Figure 10's arena: a private Prosody with the service and the digest pass-through connected on two component
// domains, the scanning viewers, a probe and the publishers (their accounts written into Prosody's store), kept for
// the whole search; and Prosody's configuration reload that switches read_size.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prosodyConfig } from "../../prosody/config.ts";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { type BenchClient, connectBench, stopAll } from "./clients.ts";
import type { KneeArm, KneeContext } from "./knee-types.ts";
import { startChild, stopChild } from "./procs.ts";
import { connectScanViewers, type ScanViewer } from "./scan-viewer.ts";

const PT_DOMAIN = "pt.localhost";

export interface Arena {
  prosody: Prosody;
  children: Record<KneeArm, ChildProcess>;
  domain: Record<KneeArm, string>;
  pubs: BenchClient[];
  viewers: ScanViewer[];
  probe: BenchClient;
  warm: Set<string>;
}

/**
 * internal_plain accounts written into Prosody's store (datamanager's format): thousands of logins without
 * registering
 */
function writeAccounts(p: Prosody, names: string[]): void {
  const dir = join(
    p.dataDir,
    p.domain.replace(/[^a-zA-Z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
    "accounts",
  );
  mkdirSync(dir, { recursive: true });
  for (const n of names) writeFileSync(join(dir, `${n}.dat`), `return {\n\t["password"] = "pw";\n};\n`);
}

async function connectPubs(p: Prosody, n: number): Promise<BenchClient[]> {
  const names = Array.from({ length: n }, (_, i) => `kpub${i}`);
  writeAccounts(p, names);
  const out: BenchClient[] = [];
  for (let i = 0; i < n; i += 50)
    out.push(...(await Promise.all(names.slice(i, i + 50).map((u) => connectBench(p, u, "phone")))));
  return out;
}

export async function openArena(
  c: KneeContext,
  name: string,
  pubs: number,
  viewers: number,
  prosodyGc: boolean,
): Promise<Arena> {
  const secret = `pt-${Math.random().toString(36).slice(2)}`;
  // a second component domain for the pass-through, so that both components stay connected for the whole search
  const prosody = await startProsody({
    dataDir: join(c.dataDir, name),
    prosodyGc,
    virtualHostExtra: `${c.virtualHostExtra}\n\nComponent "${PT_DOMAIN}"\n  component_secret = "${secret}"\n`,
  });
  try {
    const service = await startChild(
      "component/src/main.ts",
      {
        GEO_SERVICE: prosody.componentService,
        GEO_SECRET: prosody.componentSecret,
        GEO_DOMAIN: prosody.component,
        GEO_DB: join(prosody.dataDir, "geo.sqlite"),
        GEO_RATE: "0",
      },
      /connected to /,
    );
    const pt = await startChild(
      "test/bench/passthrough.ts",
      { PT_SERVICE: prosody.componentService, PT_SECRET: secret, PT_DOMAIN, PT_DIGEST_MS: String(c.o.digestMs) },
      /passthrough online/,
    );
    writeAccounts(prosody, [...Array.from({ length: viewers }, (_, i) => `kview${i}`), "kprobe"]);
    const vs = await connectScanViewers(prosody, "kview", viewers);
    const probe = await connectBench(prosody, "kprobe", "probe");
    const ps = await connectPubs(prosody, pubs);
    return {
      prosody,
      children: { service, "digest pass-through": pt },
      domain: { service: prosody.component, "digest pass-through": PT_DOMAIN },
      pubs: ps,
      viewers: vs,
      probe,
      warm: new Set(),
    };
  } catch (e) {
    await prosody.stop();
    throw e;
  }
}

export async function closeArena(a: Arena): Promise<void> {
  await stopAll([...a.pubs, ...a.viewers.map((v) => v.client), a.probe]);
  for (const ch of Object.values(a.children)) await stopChild(ch);
  await a.prosody.stop();
}

/** Rewrites Prosody's config with this read_size and has it reload (SIGHUP, mod_posix); resolves once it logged so. */
export async function reload(p: Prosody, readSize: number | undefined): Promise<void> {
  writeFileSync(p.configFile, prosodyConfig({ ...p, readSize }));
  const logFile = join(p.dataDir, "prosody.log");
  const before = (readFileSync(logFile, "utf8").match(/Received SIGHUP/g) ?? []).length;
  process.kill(p.pid, "SIGHUP");
  for (let i = 0; i < 200; i++) {
    if ((readFileSync(logFile, "utf8").match(/Received SIGHUP/g) ?? []).length > before) return;
    await new Promise((r) => setTimeout(r, 25)); // Prosody tells only its log file: polled
  }
  throw new Error("Prosody did not log the configuration reload within 5 s");
}
