// `npm run bench`: the service against Prosody's PEP and a pass-through component on a private Prosody. See --help.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { type BenchClient, type Target, connectMany, stopAll } from "./clients.ts";
import { bringOnline, measureOffline } from "./offline.ts";
import { HELP, readOptions, type BenchOptions } from "./options.ts";
import { benchCluster } from "./cluster.ts";
import { mapFrames, MOVE_EVERY_S, type MapRound } from "./map.ts";
import { killAllChildren, killEveryChild, startChild, stopChild, withCpu } from "./procs.ts";
import { Figures, fitLine, median, quantile } from "./stats.ts";
import { renderTable, writeJson } from "./table.ts";
import { prosodyCeiling } from "./ceiling.ts";
import { steadyFigures } from "./steady.ts";
import { publishPaths } from "./paths.ts";
import { digestAreaFigures } from "./digest-area.ts";
import { kneeFigures } from "./knee.ts";
import { drive, oneAtATime, pepSubscribe, pepUnsubscribe, serviceSubscribe } from "./throughput.ts";

const t0 = Date.now();
const log = (s: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

let opts: BenchOptions;
try {
  const o = readOptions(process.argv.slice(2));
  if (o === "help") {
    console.log(HELP);
    process.exit(0);
  }
  opts = o;
} catch (e) {
  console.error(`bench: ${(e as Error).message}\n\n${HELP}`);
  process.exit(2);
}

const figs = new Figures();
// internal_plain: a login costs this Prosody ~12 ms of CPU with hashed passwords (PBKDF2), 3.4x more than the
// rest of connecting; the bench connects over a thousand throwaway accounts and measures none of those logins
const PLAIN_AUTH = '  authentication = "internal_plain"';
const R = opts.rounds;
/** figure n is selected (--only, or the mode's figures); 2 is measured with 1 */
const want = (n: number) => opts.figures.has(n === 2 ? 1 : n);

function memory(): void {
  const child = (count: number, items: number) => {
    const out = execFileSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "test/bench/memory.ts", String(count), String(items)],
      { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
    );
    return JSON.parse(out.trim().split("\n").pop()!) as { perPublisherBytes: number; rssDelta: number };
  };
  const HISTORY = 20;
  for (const count of opts.memoryCounts) {
    const heap: number[] = [],
      rss: number[] = [],
      perItem: number[] = [];
    for (let r = 0; r < Math.min(R, 3); r++) {
      const one = child(count, 1),
        many = child(count, HISTORY);
      heap.push(one.perPublisherBytes);
      rss.push(one.rssDelta / count);
      perItem.push((many.perPublisherBytes - one.perPublisherBytes) / (HISTORY - 1));
    }
    const n = count.toLocaleString("en-US");
    figs.add(
      "5 memory",
      `heap per publisher, ${n} publishers, last fix only`,
      heap,
      "bytes",
      "live objects after GC: core, shell, SQLite",
    );
    figs.add("5 memory", `RSS per publisher, ${n} publishers, last fix only`, rss, "bytes", "includes V8 heap slack");
    figs.add("5 memory", `heap per stored history item, ${n} publishers x ${HISTORY}`, perItem, "bytes");
    log(
      `memory ${n} publishers: heap ${Math.round(median(heap))} B/publisher, ` +
        `RSS ${Math.round(median(rss))} B/publisher, ${Math.round(median(perItem))} B per history item`,
    );
  }
}

async function run(prosody: Prosody): Promise<void> {
  const t: Target = prosody; // a Prosody is a Target: its c2s service, domain and component
  const maxF = Math.max(
    want(1) ? Math.max(...opts.fanouts) : 10,
    want(9) ? Math.max(opts.digestArea.viewers, opts.digestArea.cityViewers) : 0,
  );
  log(`connecting ${maxF} viewers and ${opts.throughputPublishers} publishers`);
  const viewers = await connectMany(t, "viewer", maxF, "map");
  const pubs = await connectMany(t, "tpub", opts.throughputPublishers, "phone");
  const clients: BenchClient[] = [...viewers, ...pubs];
  // GEO_RATE=0: a benchmark drives a few publishers far above the per-publisher abuse limit on purpose
  const serviceEnv = {
    GEO_SERVICE: prosody.componentService,
    GEO_SECRET: prosody.componentSecret,
    GEO_DOMAIN: prosody.component,
    GEO_DB: join(prosody.dataDir, "geo.sqlite"),
    GEO_RATE: "0",
  };
  const children = {
    service: () => startChild("component/src/main.ts", serviceEnv, /connected to /),
    "pass-through": () =>
      startChild(
        "test/bench/passthrough.ts",
        { PT_SERVICE: prosody.componentService, PT_SECRET: prosody.componentSecret, PT_DOMAIN: prosody.component },
        /passthrough online/,
      ),
    // the limit of several items per message: one write per turn, consecutive items of one node to one viewer in one
    // message
    "batched pass-through": () =>
      startChild(
        "test/bench/passthrough.ts",
        {
          PT_SERVICE: prosody.componentService,
          PT_SECRET: prosody.componentSecret,
          PT_DOMAIN: prosody.component,
          PT_BATCH: "1",
        },
        /passthrough online/,
      ),
  };
  // figure 9's baseline: newest item per publisher per viewer, one <items node='locations'> per viewer per period
  const digestPassThrough = () =>
    startChild(
      "test/bench/passthrough.ts",
      {
        PT_SERVICE: prosody.componentService,
        PT_SECRET: prosody.componentSecret,
        PT_DOMAIN: prosody.component,
        PT_DIGEST_MS: String(opts.digestArea.digestMs),
      },
      /passthrough online/,
    );
  try {
    // 1 and 2: PEP, the service and the pass-through take turns within each round (one component connection at a
    // time on this domain), each arm warmed up first, the two components' order alternating between rounds.
    const latF = Math.min(10, maxF);
    const lat: Record<keyof typeof children, number[][]> = {
      service: [],
      "pass-through": [],
      "batched pass-through": [],
    };
    // Prosody's CPU per publish in each design, per fan-out, one value per round: µs of its core
    const perPublish = new Map<string, Map<number, number[]>>();
    for (const F of want(1) ? opts.fanouts : []) {
      const vs = viewers.slice(0, F);
      await pepSubscribe(pubs, vs);
      const pep: number[] = [],
        pepN: number[] = [];
      const arm: Record<keyof typeof children, { p: number[]; n: number[] }> = {
        service: { p: [], n: [] },
        "pass-through": { p: [], n: [] },
        "batched pass-through": { p: [], n: [] },
      };
      // where the time goes: percent of one core per process while each arm runs (the bench clients included)
      const cpu = new Map<string, number[]>();
      const addCpu = (who: string, c: Record<string, number>) => {
        for (const [k, v] of Object.entries(c)) cpu.set(`${who}: ${k}`, [...(cpu.get(`${who}: ${k}`) ?? []), v]);
      };
      // what a publish, with its notifications, costs Prosody's core in each design: the quantity that decides every
      // ratio once Prosody is the busy process
      const addCost = (who: string, prosodyPct: number, notificationsPerSec: number) => {
        const byF = perPublish.get(who) ?? new Map<number, number[]>();
        perPublish.set(who, byF.set(F, [...(byF.get(F) ?? []), (prosodyPct * 10_000 * F) / notificationsPerSec]));
      };
      for (let r = 0; r < R; r++) {
        await drive(pubs, vs, opts.warmupSeconds, opts.inFlight, undefined);
        const { result: a, cpu: pepCpu } = await withCpu({ Prosody: prosody.pid, "bench clients": undefined }, () =>
          drive(pubs, vs, opts.roundSeconds, opts.inFlight, undefined),
        );
        addCpu("PEP", pepCpu);
        addCost("PEP", pepCpu.Prosody, a.notificationsPerSec);
        pep.push(a.publishesPerSec);
        pepN.push(a.notificationsPerSec);
        const arms = ["service", "pass-through", "batched pass-through"] as (keyof typeof children)[];
        const order = [...arms.slice(r % arms.length), ...arms.slice(0, r % arms.length)]; // each arm first in turn
        for (const name of order) {
          const child = await children[name]();
          try {
            await serviceSubscribe(prosody.component, vs);
            await drive(pubs, vs, opts.warmupSeconds, opts.inFlight, prosody.component);
            const { result: b, cpu: c } = await withCpu(
              { Prosody: prosody.pid, component: child.pid, "bench clients": undefined },
              () => drive(pubs, vs, opts.roundSeconds, opts.inFlight, prosody.component),
            );
            addCpu(name, c);
            addCost(name, c.Prosody, b.notificationsPerSec);
            arm[name].p.push(b.publishesPerSec);
            arm[name].n.push(b.notificationsPerSec);
            if (F === latF) lat[name].push(await oneAtATime(pubs[0], vs, opts.latencySamples, prosody.component));
            await serviceSubscribe(prosody.component, vs, "locations", "unsubscribe");
          } finally {
            await stopChild(child);
          }
        }
        log(
          `fan-out ${F} round ${r + 1}/${R}: PEP ${Math.round(a.notificationsPerSec)} notif/s, ` +
            `service ${Math.round(arm.service.n[r])}, pass-through ${Math.round(arm["pass-through"].n[r])}, ` +
            `batched pass-through ${Math.round(arm["batched pass-through"].n[r])}`,
        );
      }
      await pepUnsubscribe(pubs, vs);
      const s =
        `1 vs PEP, fan-out ${F}, ${opts.roundSeconds} s per arm and round ` +
        `after ${opts.warmupSeconds} s unmeasured`;
      figs.add(s, "PEP publishes/s", pep, "/s");
      figs.add(s, "PEP notifications/s", pepN, "/s");
      figs.add(s, "service publishes/s", arm.service.p, "/s");
      figs.add(s, "service notifications/s", arm.service.n, "/s");
      figs.add(
        s,
        "ratio service/PEP (notifications/s)",
        arm.service.n.map((x, i) => x / pepN[i]),
        "x",
      );
      const s2 = `2 vs pass-through, fan-out ${F}`;
      figs.add(s2, "pass-through notifications/s", arm["pass-through"].n, "/s");
      // what any component can reach on this Prosody: the ceiling for the service/PEP ratio
      figs.add(
        s2,
        "ratio pass-through/PEP (notifications/s)",
        arm["pass-through"].n.map((x, i) => x / pepN[i]),
        "x",
        "same round",
      );
      figs.add(
        s2,
        "ratio service/pass-through (notifications/s)",
        arm.service.n.map((x, i) => x / arm["pass-through"].n[i]),
        "x",
        "same round",
      );
      figs.add(
        s2,
        "batched pass-through notifications/s",
        arm["batched pass-through"].n,
        "/s",
        "several items per message",
      );
      figs.add(
        s2,
        "ratio batched pass-through/PEP (notifications/s)",
        arm["batched pass-through"].n.map((x, i) => x / pepN[i]),
        "x",
        "same round",
      );
      figs.add(
        s2,
        "ratio service/batched pass-through (notifications/s)",
        arm.service.n.map((x, i) => x / arm["batched pass-through"].n[i]),
        "x",
        "same round; target >= 0.9",
      );
      for (const [k, v] of cpu) figs.add(`1/2 CPU, fan-out ${F}`, `${k}`, v, "% core");
      for (const [who, byF] of perPublish)
        figs.add(
          `1/2 CPU, fan-out ${F}`,
          `${who}: Prosody CPU per notification`,
          byF.get(F)!.map((x) => x / F),
          "µs",
          "with its share of the publish",
        );
    }
    if (want(1) && opts.fanouts.length > 1) {
      // Prosody's cost of one publish at fan-out F, fitted per round as fixed + F x per notification: the fixed part
      // is the publish itself (PEP's pubsub logic and storage run there), the slope what each notification costs it
      const sm =
        "1/2 Prosody CPU per publish = fixed + fan-out x per notification " +
        `(fitted per round over fan-outs ${opts.fanouts.join("/")})`;
      const fits = new Map(
        [...perPublish].map(([who, byF]) => [
          who,
          Array.from({ length: R }, (_, r) => fitLine([...byF].map(([f, v]) => [f, v[r]]))),
        ]),
      );
      for (const [who, f] of fits) {
        figs.add(
          sm,
          `${who}: fixed, per publish`,
          f.map((x) => x.fixed),
          "µs",
        );
        figs.add(
          sm,
          `${who}: per notification`,
          f.map((x) => x.perX),
          "µs",
        );
      }
      const pep = fits.get("PEP")!,
        pt = fits.get("pass-through")!;
      // where a component's cheaper publish stops paying for its dearer notifications
      figs.add(
        sm,
        "fan-out where a component's cost equals PEP's (pass-through)",
        pep.map((p, r) => (p.fixed - pt[r].fixed) / (pt[r].perX - p.perX)),
        "viewers",
        "same round",
      );
    }
    if (want(1)) {
      const sl = `2 latency, one publish at a time, fan-out ${latF}, ${opts.latencySamples} publishes/round`;
      const q = (name: keyof typeof children, p: number) => lat[name].map((l) => quantile(l, p));
      for (const [label, p] of [
        ["p50", 0.5],
        ["p99", 0.99],
      ] as const) {
        figs.add(sl, `service ${label}`, q("service", p), "ms");
        figs.add(sl, `pass-through ${label}`, q("pass-through", p), "ms");
        figs.add(
          sl,
          `added ${label} (service - pass-through)`,
          q("service", p).map((x, i) => x - q("pass-through", p)[i]),
          "ms",
          "same round",
        );
      }
      log(
        `one publish at a time, fan-out ${latF}: service p50 ${median(q("service", 0.5)).toFixed(2)} ms, ` +
          `pass-through ${median(q("pass-through", 0.5)).toFixed(2)} ms`,
      );
    }
    if (want(9)) {
      // 9. digests and areas (issue 19), the service in three subscription modes on the same publishers and viewers
      const d = opts.digestArea;
      log(`connecting ${d.publishers} publishers for digests and areas`);
      const dpubs = await connectMany(t, "dapub", d.publishers, "phone");
      clients.push(...dpubs);
      await digestAreaFigures({
        figs,
        service: prosody.component,
        publishers: dpubs,
        viewers: viewers.slice(0, Math.min(d.viewers, viewers.length)),
        cityViewers: viewers.slice(0, Math.min(d.cityViewers, viewers.length)),
        start: children.service,
        startDigestPassThrough: digestPassThrough,
        prosodyPid: prosody.pid,
        rounds: R,
        seconds: d.seconds,
        digestMs: d.digestMs,
        log,
      });
      await stopAll(dpubs);
    }
    if (!want(3) && !want(4) && !want(6)) return;

    const sv = viewers.slice(0, Math.min(10, maxF));
    if (want(3)) {
      // Prosody's ceiling (no component connected now), then 3: the steady load
      const count = opts.ceilingCount;
      const sc =
        `3 Prosody's ceiling: a raw component to ${sv.length} viewers, ` +
        `${count.toLocaleString("en-US")} stanzas/round`;
      const tuned = await prosodyCeiling(prosody, sv, count, R);
      // the same on a second, private Prosody with its own GC parameters (prosody/config.ts GC_TUNING): what the
      // one line of configuration the bench and the deployment example use is worth
      const other = await startProsody({
        dataDir: join(dataDir, "default-gc"),
        prosodyGc: true,
        virtualHostExtra: PLAIN_AUTH,
      });
      let stock: typeof tuned;
      try {
        const ov = await connectMany(other, "viewer", sv.length, "map");
        try {
          stock = await prosodyCeiling(other, ov, count, R);
        } finally {
          await stopAll(ov);
        }
      } finally {
        await other.stop();
      }
      for (const [kind, rounds] of tuned) {
        const perSec = rounds.map((x) => x.perSec),
          stockPerSec = stock.get(kind)!.map((x) => x.perSec);
        figs.add(
          sc,
          `${kind}s/s`,
          perSec,
          "/s",
          kind === "location notification" ? "the service's exact bytes" : "<body/> only",
        );
        figs.add(
          sc,
          `${kind}s: Prosody CPU`,
          rounds.map((x) => x.prosodyCpu),
          "% core",
        );
        figs.add(sc, `${kind}s/s, Prosody's default GC`, stockPerSec, "/s", "a second Prosody without GC_TUNING");
        figs.add(
          sc,
          `${kind}s: Prosody CPU, default GC`,
          stock.get(kind)!.map((x) => x.prosodyCpu),
          "% core",
        );
        figs.add(
          sc,
          `${kind}s: GC_TUNING / default GC`,
          perSec.map((x, i) => x / stockPerSec[i]),
          "x",
          "same round index",
        );
        log(
          `Prosody's ceiling, ${kind}s: ${Math.round(median(perSec))}/s ` +
            `(default GC: ${Math.round(median(stockPerSec))}/s)`,
        );
      }
      const steady = await steadyFigures({
        figs,
        target: t,
        viewers: sv,
        start: children,
        prosodyPid: prosody.pid,
        rounds: R,
        seconds: opts.latencySeconds,
        loads: opts.latencyPublishers,
        overload: opts.latencyOverload,
        log,
      });
      clients.push(...steady);
      await stopAll(steady);
    }
    const svc = await children.service();
    // the viewers' `locations` subscriptions of figure 3 are stored (persistent): end them
    if (want(3)) await serviceSubscribe(prosody.component, sv, "locations", "unsubscribe");

    // 4. offline detection
    const names = Array.from({ length: want(4) ? opts.offlinePublishers : 0 }, (_, i) => `opub${i}`);
    if (want(4)) {
      await serviceSubscribe(prosody.component, sv, "presence");
      await connectMany(t, "opub", opts.offlinePublishers, "reg").then(stopAll);
    }
    for (const how of want(4) ? (["drop", "clean"] as const) : []) {
      const a: number[] = [],
        b: number[] = [];
      for (let r = 0; r < R; r++) {
        const ps = await bringOnline(t, names, sv);
        const lat = await measureOffline(ps, sv, how);
        a.push(quantile(lat, 0.5));
        b.push(quantile(lat, 0.99));
        log(
          `offline (${how}) round ${r + 1}/${R}: ` +
            `p50 ${quantile(lat, 0.5).toFixed(2)} ms p99 ${quantile(lat, 0.99).toFixed(2)} ms`,
        );
      }
      const ended = how === "drop" ? "socket.destroy" : "clean </stream>";
      const s4 = `4 offline detection (${ended}), ${names.length} publishers`;
      figs.add(s4, "to viewer presence p50", a, "ms");
      figs.add(s4, "to viewer presence p99", b, "ms");
    }
    // 6. the map in headless Chromium, against the same service
    prosody.register("mapviewer", "pw");
    const target = {
      websocketUrl: prosody.websocketUrl,
      service: prosody.component,
      jid: `mapviewer@${prosody.domain}`,
      password: "pw",
    };
    const frames = new Map<number, MapRound[]>();
    for (let r = 0; r < (want(6) ? Math.min(R, 3) : 0); r++) {
      for (const round of await mapFrames(target, opts.mapCounts, opts.mapSeconds, log))
        frames.set(round.count, [...(frames.get(round.count) ?? []), round]);
    }
    for (const [count, rounds] of frames) {
      const s6 = `6 map, ${count.toLocaleString("en-US")} publishers`;
      const pick = (f: (x: MapRound) => number) => rounds.map(f);
      figs.add(
        s6,
        "idle frame p50",
        pick((x) => x.idle.p50),
        "ms",
        `${opts.mapSeconds} s per phase`,
      );
      figs.add(
        s6,
        "idle frame p95",
        pick((x) => x.idle.p95),
        "ms",
      );
      figs.add(
        s6,
        "moving frame p50",
        pick((x) => x.moving.p50),
        "ms",
        `${count / MOVE_EVERY_S} updates/s`,
      );
      figs.add(
        s6,
        "moving frame p95",
        pick((x) => x.moving.p95),
        "ms",
      );
      figs.add(
        s6,
        "ratio moving/idle p95",
        pick((x) => x.moving.p95 / x.idle.p95),
        "x",
        "same round",
      );
      figs.add(
        s6,
        "page main thread busy, moving",
        pick((x) => x.moving.busy),
        "ms/s",
      );
    }
    await stopChild(svc);
  } finally {
    await stopAll(clients);
  }
}

/** 7. Several instances on ejabberd sharing PostgreSQL (issue 8): 1 vs 2 instances, CPU per publish, the split. */
async function clusterFigures(): Promise<void> {
  const c = opts.cluster;
  const rounds = Math.min(R, 3);
  // one set-up per instance count (ejabberd, database, connected publishers: most of the figure's time), measured
  // `rounds` times on it; bare_source hashes the same JIDs the same way every time, so the split is measured once
  const { arms, split } = await benchCluster({ ...c, rounds, log });
  const s7 = `7 cluster on ejabberd + PostgreSQL, ${c.publishers} publishers x ${c.publishesEach} per round`;
  for (const [n, list] of arms) {
    figs.add(
      s7,
      `${n}: acknowledged publishes/s`,
      list.map((a) => a.rate),
      "/s",
    );
    figs.add(
      s7,
      `${n}: CPU per 1,000 publishes, each instance (mean)`,
      list.map((a) => a.cpuPerThousand.instances.reduce((x, y) => x + y, 0) / a.cpuPerThousand.instances.length),
      "s",
    );
    figs.add(
      s7,
      `${n}: ejabberd CPU per 1,000 publishes (all nodes)`,
      list.map((a) => a.cpuPerThousand.ejabberd),
      "s",
    );
    figs.add(
      s7,
      `${n}: PostgreSQL CPU per 1,000 publishes`,
      list.map((a) => a.cpuPerThousand.postgres),
      "s",
    );
    figs.add(
      s7,
      `${n}: PostgreSQL commits/s`,
      list.map((a) => a.commits.perSecond),
      "/s",
    );
  }
  const one = arms.get("1 instance, 1 node") ?? [],
    two = arms.get("2 instances, 2 nodes") ?? [];
  if (one.length && two.length)
    figs.add(
      s7,
      "ratio 2 instances on 2 nodes / 1 on 1",
      [median(two.map((a) => a.rate)) / median(one.map((a) => a.rate))],
      "x",
      "medians; the set-ups run one after the other, 2 cores shared",
    );
  if (split)
    figs.add(
      s7,
      `bare_source split of ${c.splitPublishers.toLocaleString("en-US")} publishers: largest deviation from even`,
      [split.maxDeviationPct],
      "%",
      "measured once: the hash is deterministic",
    );
}

const dataDir = mkdtempSync(join(tmpdir(), "geo-bench-"));
let prosody: Prosody | undefined;
let code = 0;
const onSignal = () => {
  killEveryChild();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(130);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
try {
  log(`mode ${opts.mode}: ${R} round(s) per figure`);
  if (want(5)) memory();
  if (want(1) || want(3) || want(4) || want(6) || want(9)) {
    prosody = await startProsody({ dataDir, virtualHostExtra: PLAIN_AUTH });
    log(`private Prosody pid ${prosody.pid} on ${prosody.c2sService}`);
    await run(prosody);
    await prosody.stop();
    prosody = undefined;
  }
  // 10: the knee, on Prosodys of its own (two components on one, and a second with Prosody's GC parameters)
  if (want(10))
    await kneeFigures({ figs, dataDir: join(dataDir, "knee"), virtualHostExtra: PLAIN_AUTH, o: opts.knee, log });
  if (want(7)) await clusterFigures();
  if (want(8)) {
    for (const [path, rounds] of await publishPaths(opts.pathFixes, R, log)) {
      const s8 = `8 publish paths, one fix at a time, ${opts.pathFixes} fixes/round`;
      figs.add(
        s8,
        `${path}: publish -> viewer p50`,
        rounds.map((l) => quantile(l, 0.5)),
        "ms",
      );
      figs.add(
        s8,
        `${path}: publish -> viewer p95`,
        rounds.map((l) => quantile(l, 0.95)),
        "ms",
      );
    }
  }
  const order = (s: string) => s.split(" ")[0];
  const sorted = [...figs.all].sort(
    (a, b) =>
      parseInt(order(a.section)) - parseInt(order(b.section)) || order(a.section).localeCompare(order(b.section)),
  );
  console.log(`\n${renderTable(sorted)}\n`);
  if (opts.out) {
    writeJson(
      opts.out,
      { mode: opts.mode, rounds: R, date: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 },
      sorted,
    );
    log(`wrote ${opts.out}`);
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  code = 1;
} finally {
  killAllChildren();
  await prosody?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
