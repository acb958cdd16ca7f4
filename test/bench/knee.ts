// Figure 10 (issue 19 §5): the knee. The most publishers at one fix per second that a mode holds at p99 <= period +
// 50 ms, for the service and the digest pass-through on one Prosody, found by a bounded search (doubling, then
// bisection), with what saturates first; then Prosody's read_size and GC parameters measured at the service's knee.
// Two modes: 10 full-map viewers on 1 s digests ("full map"), and 100 viewers each on one of 20 cities' areas with
// 1 s digests ("cities"). Viewers scan their stream (scan-viewer.ts); publishers are xmpp.js clients.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { xml } from "@xmpp/client";
import { prosodyConfig } from "../../prosody/config.ts";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { type BenchClient, connectBench, publishStanza, stopAll } from "./clients.ts";
import { CITIES, cityFix, subscribePubsub } from "./area-modes.ts";
import { startChild, stopChild, withCpu } from "./procs.ts";
import { connectScanViewers, type ScanViewer } from "./scan-viewer.ts";
import { type Figures, quantile } from "./stats.ts";

export type KneeMode = "full map" | "cities";
export interface KneeOptions {
  /** seconds of publishing per step */
  seconds: number;
  digestMs: number;
  viewers: number;
  cityViewers: number;
  /** first publisher count tried and the most connected, per mode */
  start: Record<KneeMode, number>;
  max: Record<KneeMode, number>;
  /** bisection steps after the doubling */
  bisect: number;
  /** rounds of the three settings at the knee, taking turns */
  settingsRounds: number;
}
export interface KneeContext {
  figs: Figures;
  dataDir: string;
  virtualHostExtra: string;
  o: KneeOptions;
  log: (s: string) => void;
}

type Arm = "service" | "digest pass-through";
const PT_DOMAIN = "pt.localhost";
const READ_SIZE = 262_144;
const CORES = availableParallelism();

interface Arena {
  prosody: Prosody;
  children: Record<Arm, ChildProcess>;
  domain: Record<Arm, string>;
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

async function openArena(
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

async function closeArena(a: Arena): Promise<void> {
  await stopAll([...a.pubs, ...a.viewers.map((v) => v.client), a.probe]);
  for (const ch of Object.values(a.children)) await stopChild(ch);
  await a.prosody.stop();
}

/** busy share of the whole machine (all cores, every process, the other developers' included), from /proc/stat */
function machineTicks(): { busy: number; all: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const all = f.reduce((a, b) => a + b, 0);
  return { busy: all - idle, all };
}

export interface Step {
  n: number;
  prosodyMsPerK: number;
  p99: number;
  p50: number;
  ok: boolean;
  perViewer: number;
  share: number;
  cpu: Record<string, number>;
  loopP99: number;
  pingP99: number;
  machine: number;
}

async function step(c: KneeContext, a: Arena, arm: Arm, mode: KneeMode, n: number, tag: string): Promise<Step> {
  const to = a.domain[arm];
  const pubs = a.pubs.slice(0, n);
  const viewers = mode === "cities" ? a.viewers.slice(0, c.o.cityViewers) : a.viewers.slice(0, c.o.viewers);
  const fix = (id: string, i: number, s: number) =>
    mode === "cities" ? cityFix(id, i, i * 1000 + s) : publishStanza(id);
  // each publisher's first fix on this component, outside any measured step
  const cold = pubs.filter((p) => !a.warm.has(`${arm} ${mode} ${p.bare}`));
  for (let i = 0; i < cold.length; i += 200)
    await Promise.all(cold.slice(i, i + 200).map((p) => p.iq("set", to, fix(`warm-${p.bare}`, a.pubs.indexOf(p), 0))));
  cold.forEach((p) => a.warm.add(`${arm} ${mode} ${p.bare}`));
  const dmode = mode === "cities" ? "cities" : "digest";
  await Promise.all(viewers.map((v, j) => v.set(to, subscribePubsub(v.jid, j, dmode, c.o.digestMs, "subscribe"))));
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const barrier = `${tag}-b`;
  let seen = 0,
    items = 0;
  let done!: () => void;
  const all = new Promise<void>((ok) => {
    done = ok;
  });
  const seenBy = new Set<ScanViewer>();
  for (const v of viewers) {
    v.onItem = (id) => {
      if (id.startsWith(barrier)) {
        if (!seenBy.has(v)) {
          seenBy.add(v);
          if (++seen === viewers.length) done();
        }
        return;
      }
      const t0 = sent.get(id);
      if (t0 !== undefined) {
        items++;
        lat.push(performance.now() - t0);
      }
    };
  }
  const pings: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const m0 = machineTicks();
  let pinging = true;
  // Prosody's own event loop: the round trip of an XEP-0199 ping to the server, one at a time every 100 ms
  const pinger = (async () => {
    while (pinging) {
      const t0 = performance.now();
      await a.probe.iq("get", a.prosody.domain, xml("ping", { xmlns: "urn:xmpp:ping" })).catch(() => {});
      pings.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100)); // the probe's pace, not a wait for an event
    }
  })();
  loop.enable();
  const w0 = performance.now();
  const { cpu } = await withCpu(
    { Prosody: a.prosody.pid, component: a.children[arm].pid, bench: undefined },
    async () => {
      const acks: Promise<unknown>[] = [];
      const timers: NodeJS.Timeout[] = [];
      await new Promise<void>((allOut) => {
        let left = pubs.length * c.o.seconds;
        pubs.forEach((p, i) => {
          for (let s = 0; s < c.o.seconds; s++) {
            timers.push(
              setTimeout(
                () => {
                  const id = `${tag}-${i}-${s}`;
                  sent.set(id, performance.now());
                  acks.push(p.iq("set", to, fix(id, i, s)).catch(() => {}));
                  if (--left === 0) allOut();
                },
                (i / pubs.length) * 1000 + s * 1000,
              ),
            );
          }
        });
      });
      await Promise.all(acks);
      // the barrier: one fix per city (or one), which every viewer receives once all before it has left
      const from = mode === "cities" ? pubs.slice(0, CITIES) : pubs.slice(0, 1);
      await Promise.all(
        from.map((p, k) =>
          p.iq("set", to, mode === "cities" ? cityFix(`${barrier}-${k}`, k, 0) : publishStanza(`${barrier}-0`)),
        ),
      );
      let t: NodeJS.Timeout | undefined;
      await Promise.race([
        all,
        new Promise((_, fail) => {
          t = setTimeout(
            () => fail(new Error(`${tag}: the barrier reached ${seen}/${viewers.length} viewers in 60 s`)),
            60_000,
          );
        }),
      ]).finally(() => clearTimeout(t));
    },
  );
  const wall = (performance.now() - w0) / 1000;
  loop.disable();
  pinging = false;
  await pinger;
  const m1 = machineTicks();
  for (const v of viewers) v.onItem = () => {};
  await Promise.all(viewers.map((v, j) => v.set(to, subscribePubsub(v.jid, j, dmode, c.o.digestMs, "unsubscribe"))));
  // what a viewer may receive: every fix, or those of its own city
  const expected = viewers.reduce(
    (sum, _, j) => sum + pubs.filter((_, i) => mode !== "cities" || i % CITIES === j % CITIES).length * c.o.seconds,
    0,
  );
  const p99 = quantile(lat, 0.99);
  return {
    n,
    prosodyMsPerK: (cpu.Prosody * 10 * wall * 1000) / Math.max(1, items),
    p99,
    p50: quantile(lat, 0.5),
    ok: lat.length > 0 && p99 <= c.o.digestMs + 50,
    perViewer: items / viewers.length / c.o.seconds,
    share: (100 * items) / expected,
    cpu,
    loopP99: loop.percentile(99) / 1e6,
    pingP99: quantile(pings, 0.99),
    machine: (100 * CORES * (m1.busy - m0.busy)) / (m1.all - m0.all),
  };
}

const show = (s: Step) =>
  `${s.n} publishers: p99 ${s.p99.toFixed(0)} ms (p50 ${s.p50.toFixed(0)}) ${s.ok ? "held" : "MISSED"}; ` +
  `${s.perViewer.toFixed(0)} fixes/viewer/s (${s.share.toFixed(0)}%); ` +
  `CPU Prosody ${s.cpu.Prosody.toFixed(0)}%, component ${s.cpu.component.toFixed(0)}%, ` +
  `bench ${s.cpu.bench.toFixed(0)}%, machine ${s.machine.toFixed(0)}% of ${100 * CORES}%; ` +
  `bench loop p99 ${s.loopP99.toFixed(0)} ms; Prosody ping p99 ${s.pingP99.toFixed(0)} ms`;

const CORE_OF = { Prosody: "Prosody's core", component: "the component's core", bench: "the load generator's core" };

/**
 * What gave out first at a step that missed: a process at 90% of a core, else the whole machine at 90% of its cores
 * (other processes), else Prosody's event loop (its ping round trip over 50 ms), else the bench's event loop.
 */
export function saturated(s: Step): string {
  const busy = (["Prosody", "component", "bench"] as const)
    .filter((k) => s.cpu[k] >= 90)
    .sort((x, y) => s.cpu[y] - s.cpu[x]);
  if (busy.length) return `${CORE_OF[busy[0]]} (${s.cpu[busy[0]].toFixed(0)}%)`;
  if (s.machine >= 90 * CORES) return `the machine (${s.machine.toFixed(0)}% of ${100 * CORES}%: other processes)`;
  if (s.pingP99 > 50)
    return `Prosody's event loop (ping p99 ${s.pingP99.toFixed(0)} ms at ${s.cpu.Prosody.toFixed(0)}% CPU)`;
  if (s.loopP99 > 50) return `the load generator's event loop (p99 ${s.loopP99.toFixed(0)} ms)`;
  return "none clearly";
}

/**
 * Doubling from `start` (halving while it misses) up to `max`, then `bisect` bisections: the largest count that held.
 * A state machine, so that the two arms' searches can take turns step by step (the machine's load changes meanwhile).
 */
export class Search {
  lo?: Step;
  hi?: Step;
  private n: number;
  private bisections = 0;
  constructor(
    start: number,
    private max: number,
    private bisect: number,
  ) {
    this.n = Math.min(start, max);
  }

  /** the next count to try, or undefined when done */
  next(): number | undefined {
    const { lo, hi } = this;
    if (!lo && !hi) return this.n;
    if (!hi) return lo!.n >= this.max ? undefined : Math.min(2 * lo!.n, this.max);
    if (!lo) return hi.n <= 5 ? undefined : Math.floor(hi.n / 2);
    if (this.bisections >= this.bisect || hi.n - lo.n <= Math.max(2, lo.n / 20)) return undefined;
    return Math.round((lo.n + hi.n) / 2);
  }

  record(s: Step): void {
    if (this.lo && this.hi) this.bisections++;
    if (s.ok) this.lo = s;
    else this.hi = s;
  }

  get knee(): number {
    return this.lo?.n ?? 0;
  }
}

export async function kneeFigures(c: KneeContext): Promise<void> {
  const o = c.o;
  const modes: KneeMode[] = ["full map", "cities"];
  const maxPubs = Math.max(o.max["full map"], o.max.cities);
  const nv = Math.max(o.viewers, o.cityViewers);
  c.log(
    `10 knee: a Prosody with the service and the digest pass-through, ${nv} scanning viewers, ${maxPubs} publishers`,
  );
  const a = await openArena(c, "knee", maxPubs, nv, false);
  const knees = new Map<KneeMode, number>();
  const s10 =
    `10 knee: publishers at 1/s held at p99 <= ${o.digestMs + 50} ms, ` +
    `${o.digestMs} ms digests, ${o.seconds} s per step`;
  const sSet = `10 Prosody settings at the service's knee, ${o.seconds} s per round`;
  const label = (mode: KneeMode) =>
    mode === "cities"
      ? `cities (${o.cityViewers} area viewers over ${CITIES} cities)`
      : `full map (${o.viewers} viewers)`;
  let b: Arena | undefined;
  try {
    for (const mode of modes) {
      const arms: Arm[] = ["service", "digest pass-through"];
      const r = {
        service: new Search(o.start[mode], o.max[mode], o.bisect),
        "digest pass-through": new Search(o.start[mode], o.max[mode], o.bisect),
      };
      // the two searches take turns, a step each, so that both see the machine as it is at the time
      for (let k = 0; arms.some((arm) => r[arm].next() !== undefined); k++) {
        for (const arm of arms) {
          const n = r[arm].next();
          if (n === undefined) continue;
          const s = await step(
            c,
            a,
            arm,
            mode,
            n,
            `k${mode === "cities" ? "c" : "f"}${arm === "service" ? "s" : "p"}${k}`,
          );
          c.log(`10 knee, ${mode}, ${arm}: ${show(s)}`);
          r[arm].record(s);
        }
      }
      for (const arm of arms) {
        const { knee, lo: at, hi: above } = r[arm];
        c.figs.add(
          s10,
          `${label(mode)}, ${arm}: knee`,
          [knee],
          "publishers",
          above ? `missed at ${above.n}` : `held at the most tried, ${o.max[mode]}: the knee is higher`,
        );
        if (at) {
          for (const [k, v] of Object.entries(at.cpu))
            c.figs.add(s10, `${mode}, ${arm}: at the knee, ${k} CPU`, [v], "% core");
          c.figs.add(s10, `${mode}, ${arm}: at the knee, p99`, [at.p99], "ms");
          c.figs.add(s10, `${mode}, ${arm}: at the knee, bench event-loop delay p99`, [at.loopP99], "ms");
          c.figs.add(
            s10,
            `${mode}, ${arm}: at the knee, Prosody ping round trip p99`,
            [at.pingP99],
            "ms",
            "its event loop",
          );
          c.figs.add(
            s10,
            `${mode}, ${arm}: at the knee, whole machine busy`,
            [at.machine],
            `% of ${100 * CORES}`,
            "every process, others' included",
          );
        }
        if (above)
          c.log(
            `10 knee, ${mode}, ${arm}: knee ${knee}; above it (${above.n}) the first to give out: ${saturated(above)}`,
          );
        else c.log(`10 knee, ${mode}, ${arm}: held up to the most tried, ${knee}`);
      }
      const sv = r.service.knee,
        pt = r["digest pass-through"].knee;
      if (pt) c.figs.add(s10, `${mode}: knee, service / digest pass-through`, [sv / pt], "x", "target >= 0.9");
      knees.set(mode, sv);
    }
    // at the service's knee load: read_size 8 KiB / 256 KiB on this Prosody (switched by a configuration reload:
    // server_epoll reads it on every read), and Prosody 0.12's own GC parameters on a second Prosody started now
    // (they apply only at start), the three taking turns (settingsRounds times)
    const n = Math.max(...knees.values());
    if (!n) return;
    c.log(`10 settings: a second Prosody with Prosody 0.12's own GC parameters, ${n} publishers`);
    b = await openArena(c, "knee-gc", n, nv, true);
    const arms: Array<[string, Arena, number | undefined]> = [
      ["GC_TUNING, read_size 8 KiB (Prosody's default)", a, undefined],
      [`GC_TUNING, read_size ${READ_SIZE / 1024} KiB`, a, READ_SIZE],
      ["Prosody 0.12's default GC, read_size 8 KiB (second Prosody)", b, undefined],
    ];
    for (const mode of modes) {
      const k = knees.get(mode)!;
      if (!k) continue;
      const acc = new Map<string, Step[]>();
      for (let round = 0; round < o.settingsRounds; round++) {
        for (const [name, arena, size] of arms) {
          if (arena === a) await reload(a.prosody, size);
          const s = await step(
            c,
            arena,
            "service",
            mode,
            k,
            `ks${mode === "cities" ? "c" : "f"}${round}${arms.findIndex((x) => x[0] === name)}`,
          );
          c.log(`10 settings, ${mode}, ${name}: ${show(s)}`);
          acc.set(name, [...(acc.get(name) ?? []), s]);
        }
      }
      for (const [name, steps] of acc) {
        c.figs.add(
          sSet,
          `${mode} at ${k} publishers, ${name}: p99`,
          steps.map((x) => x.p99),
          "ms",
        );
        c.figs.add(
          sSet,
          `${mode} at ${k} publishers, ${name}: Prosody CPU per 1,000 fixes delivered`,
          steps.map((x) => x.prosodyMsPerK),
          "ms",
          "robust to a busy machine",
        );
      }
      await reload(a.prosody, undefined);
    }
  } finally {
    if (b) await closeArena(b);
    await closeArena(a);
  }
}

/** Rewrites Prosody's config with this read_size and has it reload (SIGHUP, mod_posix); resolves once it logged so. */
async function reload(p: Prosody, readSize: number | undefined): Promise<void> {
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
