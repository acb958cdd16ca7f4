// `npm run bench`: the service against Prosody's PEP and a pass-through component on a private Prosody. See --help.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { type BenchClient, type Target, connectMany, stopAll } from "./clients.ts";
import { bringOnline, measureOffline } from "./offline.ts";
import { HELP, readOptions, type BenchOptions } from "./options.ts";
import { killAllChildren, startChild, stopChild } from "./procs.ts";
import { Figures, median, quantile } from "./stats.ts";
import { renderTable, writeJson } from "./table.ts";
import { steadyRound } from "./latency.ts";
import { drive, pepSubscribe, pepUnsubscribe, serviceSubscribe } from "./throughput.ts";

const t0 = Date.now();
const log = (s: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

let opts: BenchOptions;
try {
  const o = readOptions(process.argv.slice(2));
  if (o === "help") { console.log(HELP); process.exit(0); }
  opts = o;
} catch (e) {
  console.error(`bench: ${(e as Error).message}\n\n${HELP}`);
  process.exit(2);
}

const figs = new Figures();
const R = opts.rounds;

function memory(): void {
  for (const count of opts.memoryCounts) {
    for (const items of [1, 20]) {
      const runs: number[] = [];
      const rss: number[] = [];
      for (let r = 0; r < R; r++) {
        const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", "test/bench/memory.ts", String(count), String(items)], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
        const m = JSON.parse(out.trim().split("\n").pop()!) as { perPublisherBytes: number; rssDelta: number };
        runs.push(m.perPublisherBytes);
        rss.push(m.rssDelta / count);
      }
      const label = items === 1 ? "no history (max_items 1)" : "history 20 items";
      figs.add("5 memory", `core heap per publisher, ${count.toLocaleString("en-US")} publishers, ${label}`, runs, "bytes");
      figs.add("5 memory", `core RSS per publisher, ${count.toLocaleString("en-US")} publishers, ${label}`, rss, "bytes", "RSS is coarse (allocator pages)");
      log(`memory ${count} publishers, ${label}: ${Math.round(median(runs))} B/publisher`);
    }
  }
}

async function run(prosody: Prosody): Promise<void> {
  const t: Target = { c2sService: prosody.c2sService, domain: prosody.domain, component: prosody.component };
  const maxF = Math.max(...opts.fanouts);
  log(`connecting ${maxF} viewers and ${opts.throughputPublishers} publishers`);
  const viewers = await connectMany(t, "viewer", maxF, "map");
  const pubs = await connectMany(t, "tpub", opts.throughputPublishers, "phone");
  const clients: BenchClient[] = [...viewers, ...pubs];
  // GEO_RATE=0: a benchmark drives a few publishers far above the per-publisher abuse limit on purpose
  const serviceEnv = { GEO_SERVICE: prosody.componentService, GEO_SECRET: prosody.componentSecret, GEO_DOMAIN: prosody.component, GEO_DB: join(prosody.dataDir, "geo.sqlite"), GEO_RATE: "0" };
  try {
    log("starting the service (child process)");
    let svc = await startChild("component/src/main.ts", serviceEnv, /connected to /);
    const svcTput = new Map<number, number[]>();
    const svcLat: number[][] = [];
    for (const F of opts.fanouts) {
      const vs = viewers.slice(0, F);
      await pepSubscribe(pubs, vs);
      await serviceSubscribe(prosody.component, vs);
      const pep: number[] = [], pepN: number[] = [], svcP: number[] = [], svcN: number[] = [], ratio: number[] = [];
      for (let r = 0; r < R; r++) {
        const a = await drive(pubs, vs, opts.publishes, opts.inFlight, undefined);
        const b = await drive(pubs, vs, opts.publishes, opts.inFlight, prosody.component);
        pep.push(a.publishesPerSec); pepN.push(a.notificationsPerSec); svcP.push(b.publishesPerSec); svcN.push(b.notificationsPerSec);
        ratio.push(b.notificationsPerSec / a.notificationsPerSec);
        log(`fan-out ${F} round ${r + 1}/${R}: PEP ${Math.round(a.publishesPerSec)} pub/s ${Math.round(a.notificationsPerSec)} notif/s; service ${Math.round(b.publishesPerSec)} pub/s ${Math.round(b.notificationsPerSec)} notif/s`);
      }
      const s = `1 vs PEP, fan-out ${F}`;
      figs.add(s, "PEP publishes/s", pep, "/s"); figs.add(s, "PEP notifications/s", pepN, "/s");
      figs.add(s, "service publishes/s", svcP, "/s"); figs.add(s, "service notifications/s", svcN, "/s");
      figs.add(s, "ratio service/PEP (notifications/s)", ratio, "x");
      svcTput.set(F, svcN);
      await pepUnsubscribe(pubs, vs);
      await serviceSubscribe(prosody.component, vs, "locations", "unsubscribe");
    }
    // added latency, one publish in flight, fan-out 10 (or the largest below it)
    const latF = Math.min(10, maxF);
    const latViewers = viewers.slice(0, latF);
    await serviceSubscribe(prosody.component, latViewers);
    for (let r = 0; r < R; r++) svcLat.push((await drive(pubs.slice(0, 1), latViewers, opts.latencySamples, 1, prosody.component)).latencies);
    await serviceSubscribe(prosody.component, latViewers, "locations", "unsubscribe");
    log(`service latency one-at-a-time fan-out ${latF}: p50 ${median(svcLat.map((l) => quantile(l, 0.5))).toFixed(2)} ms`);

    // 3. steady load
    log(`connecting ${opts.latencyPublishers} steady publishers`);
    const steady = await connectMany(t, "spub", opts.latencyPublishers, "phone");
    clients.push(...steady);
    const sv = viewers.slice(0, Math.min(10, maxF));
    await serviceSubscribe(prosody.component, sv);
    const p50: number[] = [], p99: number[] = [], max: number[] = [];
    for (let r = 0; r < R; r++) {
      const lat = await steadyRound(steady, sv, prosody.component, opts.latencySeconds, `st${r}`);
      p50.push(quantile(lat, 0.5)); p99.push(quantile(lat, 0.99)); max.push(Math.max(...lat));
      log(`steady round ${r + 1}/${R}: ${lat.length} notifications, p50 ${quantile(lat, 0.5).toFixed(2)} ms p99 ${quantile(lat, 0.99).toFixed(2)} ms`);
    }
    const s3 = `3 steady ${opts.latencyPublishers} pub x 1/s, ${sv.length} viewers`;
    figs.add(s3, "latency p50", p50, "ms", `${opts.latencySeconds} s per round`); figs.add(s3, "latency p99", p99, "ms"); figs.add(s3, "latency max", max, "ms");
    await serviceSubscribe(prosody.component, sv, "locations", "unsubscribe");
    await stopAll(steady);

    // 4. offline detection
    await serviceSubscribe(prosody.component, sv, "presence");
    const names = Array.from({ length: opts.offlinePublishers }, (_, i) => `opub${i}`);
    await connectMany(t, "opub", opts.offlinePublishers, "reg").then(stopAll);
    for (const how of ["drop", "clean"] as const) {
      const a: number[] = [], b: number[] = [];
      for (let r = 0; r < R; r++) {
        const ps = await bringOnline(t, names, sv);
        const lat = await measureOffline(ps, sv, how);
        a.push(quantile(lat, 0.5)); b.push(quantile(lat, 0.99));
        log(`offline (${how}) round ${r + 1}/${R}: p50 ${quantile(lat, 0.5).toFixed(2)} ms p99 ${quantile(lat, 0.99).toFixed(2)} ms`);
      }
      const s4 = `4 offline detection (${how === "drop" ? "socket.destroy" : "clean </stream>"}), ${names.length} publishers`;
      figs.add(s4, "to viewer presence p50", a, "ms"); figs.add(s4, "to viewer presence p99", b, "ms");
    }
    await stopChild(svc);

    // 2. pass-through component on the same domain slot
    for (const F of opts.fanouts) {
      const vs = viewers.slice(0, F);
      const pt = await startChild("test/bench/passthrough.ts", { PT_SERVICE: prosody.componentService, PT_SECRET: prosody.componentSecret, PT_DOMAIN: prosody.component, PT_VIEWERS: vs.map((v) => v.jid).join(",") }, /passthrough online/);
      const n: number[] = [];
      for (let r = 0; r < R; r++) n.push((await drive(pubs, vs, opts.publishes, opts.inFlight, prosody.component)).notificationsPerSec);
      const ptLat: number[][] = [];
      if (F === latF) for (let r = 0; r < R; r++) ptLat.push((await drive(pubs.slice(0, 1), vs, opts.latencySamples, 1, prosody.component)).latencies);
      await stopChild(pt);
      const sN = svcTput.get(F)!;
      const s2 = `2 vs pass-through, fan-out ${F}`;
      figs.add(s2, "pass-through notifications/s", n, "/s");
      figs.add(s2, "ratio service/pass-through (notifications/s)", sN.map((x, i) => x / n[i]), "x", "service rounds ran before");
      log(`pass-through fan-out ${F}: ${Math.round(median(n))} notif/s`);
      if (ptLat.length) {
        const sl = `2 latency, 1 in flight, fan-out ${F}, ${opts.latencySamples} publishes/round`;
        const sp50 = svcLat.map((l) => quantile(l, 0.5)), pp50 = ptLat.map((l) => quantile(l, 0.5));
        const sp99 = svcLat.map((l) => quantile(l, 0.99)), pp99 = ptLat.map((l) => quantile(l, 0.99));
        figs.add(sl, "service p50", sp50, "ms"); figs.add(sl, "pass-through p50", pp50, "ms");
        figs.add(sl, "added p50 (service - pass-through)", sp50.map((x, i) => x - pp50[i]), "ms");
        figs.add(sl, "service p99", sp99, "ms"); figs.add(sl, "pass-through p99", pp99, "ms");
        figs.add(sl, "added p99 (service - pass-through)", sp99.map((x, i) => x - pp99[i]), "ms");
      }
    }
  } finally {
    await stopAll(clients);
  }
}

const dataDir = mkdtempSync(join(tmpdir(), "geo-bench-"));
let prosody: Prosody | undefined;
let code = 0;
const onSignal = () => { killAllChildren(); void prosody?.stop().finally(() => process.exit(130)); };
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
try {
  log(`mode ${opts.mode}: ${R} round(s) per figure`);
  memory();
  prosody = await startProsody({ dataDir });
  log(`private Prosody pid ${prosody.pid} on ${prosody.c2sService}`);
  await run(prosody);
  const order = (s: string) => s.split(" ")[0];
  const sorted = [...figs.all].sort((a, b) => order(a.section).localeCompare(order(b.section)));
  console.log(`\n${renderTable(sorted)}\n`);
  if (opts.out) { writeJson(opts.out, { mode: opts.mode, rounds: R, date: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 }, sorted); log(`wrote ${opts.out}`); }
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
