// Figure 6: the live map in headless Chromium. Frame intervals (requestAnimationFrame to requestAnimationFrame) with
// N synthetic publishers on the map, first idle (the same N markers, nothing changes), then moving (every publisher
// moves every 5 s: N/5 updates per second, fed into the page's model as the xmpp layer would, as in
// test/e2e/map-scale.test.ts). The page logs in to a real Prosody + service first: the view exists only after login.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startWebServer, type WebServer } from "../../client-web/server.ts";
import { launchBrowser, openPage } from "../e2e/support/browser.ts";
import { login, waitLive } from "../e2e/support/map.ts";
import { quantile } from "./stats.ts";

export interface MapBenchTarget {
  /** Prosody's WebSocket endpoint, e.g. ws://127.0.0.1:5280/xmpp-websocket */
  websocketUrl: string;
  /** the service's JID, e.g. geo.localhost */
  service: string;
  /** a registered viewer, e.g. viewer@localhost */
  jid: string;
  password: string;
}

export interface FrameStats {
  p50: number;
  p95: number;
  frames: number;
  /** the longest interval: a stall that p95 does not show (diagnostics) */
  max: number;
  /**
   * ms per second the page's main thread spent in tasks (Chrome's Performance.getMetrics TaskDuration): what the
   * page itself costs, less sensitive than frame intervals to other processes taking the CPU (diagnostics)
   */
  busy: number;
  /** ms of CPU per second used by all of Chromium's processes (renderer, GPU/compositor, browser): the whole cost */
  cpu: number;
}
export interface MapRound {
  count: number;
  idle: FrameStats;
  moving: FrameStats & { redraws: number };
}

/** Every publisher moves every this many seconds (N/5 updates per second). */
export const MOVE_EVERY_S = 5;

// Runs in the page (a string, so no bundler helpers leak in). Synthetic publishers around central Europe, as in
// map-scale.test.ts: every fix has accuracy, bearing and speed; every 4th publisher has presence (online, away or
// offline), the rest are "presence unknown": a mix of looks.
const PAGE_HELPERS = `(() => {
  const g = window.geoMap;
  const B = window.__mapBench ??= { pubs: [], t: Date.now() };
  // Random names, so the store's order is not the list's sorted order (a real snapshot comes in no useful order).
  const jid = (i) => B.pubs[i].jid;
  B.events = (from, to, step) => {
    const evs = [];
    for (let i = from; i < to; i++) {
      const q = B.pubs[i];
      if (step) {
        q.lat += (Math.random() - 0.5) * 0.01;
        q.lon += (Math.random() - 0.5) * 0.01;
        q.b = (q.b + (Math.random() - 0.5) * 20 + 360) % 360;
      }
      const t = ++B.t;
      evs.push({ kind: "location", jid: jid(i), itemId: String(t), live: true, session: 1,
        geoloc: { lat: String(q.lat), lon: String(q.lon), timestamp: new Date(t).toISOString(), accuracy: "40",
          bearing: String(Math.round(q.b)), speed: "3" } });
      if (!step && i % 4 === 0) evs.push({ kind: "presence", live: true, session: 1,
        presence: { jid: jid(i), online: i % 12 !== 0, show: i % 8 === 0 ? "away" : undefined, since: t } });
    }
    return evs;
  };
  /** Exactly n publishers on the map: the first n, created or kept; any beyond n deleted. */
  B.load = (n) => {
    const evs = [];
    for (let i = n; i < B.pubs.length; i++) evs.push({ kind: "deleted", jid: jid(i), session: 1 });
    B.pubs.length = Math.min(B.pubs.length, n);
    const from = B.pubs.length;
    for (let i = from; i < n; i++) {
      const name = "bench-" + Math.random().toString(36).slice(2, 10) + "@localhost";
      B.pubs.push({ jid: name, lat: 47.5 + Math.random() * 7, lon: 6 + Math.random() * 9, b: Math.random() * 360 });
    }
    g.apply(evs.concat(B.events(from, n, false)));
  };
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  /** rAF intervals for \`seconds\`; with \`rate\` > 0, \`rate\` publishers (round robin) move per second meanwhile. */
  B.measure = async (seconds, rate) => {
    const n = B.pubs.length, intervals = [], redraws0 = g.view().redraws;
    let cursor = 0, fed = 0, feeder;
    const start = performance.now();
    if (rate > 0) {
      // A timer, not the frame callback: positions arrive from the socket between frames.
      feeder = setInterval(() => {
        const due = Math.floor(rate * (performance.now() - start) / 1000) - fed;
        if (due <= 0) return;
        const evs = [];
        for (let k = 0; k < due; k++) { evs.push(...B.events(cursor, cursor + 1, true)); cursor = (cursor + 1) % n; }
        fed += due;
        g.apply(evs);
      }, 10);
    }
    let last = await frame();
    for (;;) {
      const now = await frame();
      intervals.push(now - last);
      last = now;
      if (now - start >= seconds * 1000) break;
    }
    clearInterval(feeder);
    return { intervals, redraws: g.view().redraws - redraws0, fed, elapsed: performance.now() - start };
  };
  B.settle = async () => {
    // Let the load be drawn and the page's once-a-second work pass once before measuring.
    for (let i = 0; i < 3; i++) await frame();
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 3; i++) await frame();
  };
})()`;

function stats(intervals: number[], busy: number, cpu: number): FrameStats {
  return {
    p50: quantile(intervals, 0.5),
    p95: quantile(intervals, 0.95),
    frames: intervals.length,
    max: Math.max(...intervals),
    busy,
    cpu,
  };
}

/**
 * One round: Chromium, the web server, log in, then for each count N: N publishers on the map, frame intervals for
 * `seconds` idle, then `seconds` with N/5 updates per second. Closes everything it started, also on error.
 */
export async function mapFrames(
  t: MapBenchTarget,
  counts: number[],
  seconds: number,
  log: (s: string) => void,
): Promise<MapRound[]> {
  let browser: Browser | undefined;
  let web: WebServer | undefined;
  try {
    [browser, web] = await Promise.all([
      launchBrowser(),
      startWebServer({ port: 0, config: { websocket: t.websocketUrl, service: t.service } }),
    ]);
    const { page, errors } = await openPage(browser, web.url);
    await login(page, t.jid, t.password);
    await waitLive(page, 30_000);
    await page.waitForFunction("window.geoMap.view() !== undefined");
    await page.evaluate(PAGE_HELPERS);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const sys = await browser.newBrowserCDPSession();
    const cpuSeconds = async () =>
      ((await sys.send("SystemInfo.getProcessInfo")).processInfo as { cpuTime: number }[]).reduce(
        (a, p) => a + p.cpuTime,
        0,
      );
    const taskSeconds = async () =>
      (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")?.value ?? NaN;
    const out: MapRound[] = [];
    for (const count of counts) {
      await load(page, count);
      const busy = async <T extends { elapsed: number }>(fn: () => Promise<T>) => {
        const [t0, c0] = [await taskSeconds(), await cpuSeconds()];
        const r = await fn();
        const [t1, c1] = [await taskSeconds(), await cpuSeconds()];
        return { ...r, busy: (1000 * (t1 - t0)) / (r.elapsed / 1000), cpu: (1000 * (c1 - c0)) / (r.elapsed / 1000) };
      };
      const idle = await busy(() => measure(page, seconds, 0));
      const moving = await busy(() =>
        profiled(page, `${count}`, () => measure(page, seconds, count / MOVE_EVERY_S), log),
      );
      if (errors.length) throw new Error(`the map threw: ${errors.map((e) => e.message).join("; ")}`);
      const r: MapRound = {
        count,
        idle: stats(idle.intervals, idle.busy, idle.cpu),
        moving: { ...stats(moving.intervals, moving.busy, moving.cpu), redraws: moving.redraws },
      };
      const f = (x: FrameStats) =>
        `p50 ${x.p50.toFixed(1)} ms p95 ${x.p95.toFixed(1)} ms (${x.frames} frames, max ${x.max.toFixed(0)} ms, ` +
        `main thread busy ${x.busy.toFixed(0)} ms/s, Chromium CPU ${x.cpu.toFixed(0)} ms/s)`;
      log(
        `map ${count} publishers: idle ${f(r.idle)}; ` +
          `moving (${moving.fed} updates, ${r.moving.redraws} redraws) ${f(r.moving)}`,
      );
      out.push(r);
    }
    return out;
  } finally {
    await browser?.close().catch(() => {});
    await web?.close().catch(() => {});
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * With MAP_BENCH_PROFILE=DIR: a CPU profile of the page while moving (DIR/map-N.cpuprofile, opens in DevTools) and
 * the functions with the most self time in the log. Only for finding where a frame goes; figures come without it.
 */
async function profiled<T>(page: Page, name: string, fn: () => Promise<T>, log: (s: string) => void): Promise<T> {
  const dir = process.env.MAP_BENCH_PROFILE;
  if (!dir) return fn();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  const out = await fn();
  const { profile } = (await cdp.send("Profiler.stop")) as { profile: { nodes: ProfileNode[]; samples: number[] } };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `map-${name}.cpuprofile`), JSON.stringify(profile));
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const id of profile.samples) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  const lines = top.map(([k, v]) => `  ${((100 * v) / total).toFixed(1)}% ${k}`);
  log(`profile ${name} (${total} samples):\n${lines.join("\n")}`);
  await cdp.detach();
  return out;
}

async function load(page: Page, count: number): Promise<void> {
  await page.evaluate(`window.__mapBench.load(${count})`);
  await page.waitForFunction(
    `window.geoMap.view().markers.filter((m) => m.onMap && m.jid.startsWith("bench")).length === ${count}`,
    undefined,
    { timeout: 30_000 },
  );
  await page.evaluate("window.geoMap.fit()"); // spread over the view, as a viewer looking at them would see them
  // Every marker drawn on its own (at this zoom the map would cluster most of them): the marker canvas's worst case,
  // over the offline basemap's countries and place names.
  await page.evaluate("window.geoMap.clustering(false)");
  await page.evaluate("window.__mapBench.settle()");
}

interface Measured {
  intervals: number[];
  redraws: number;
  fed: number;
  elapsed: number;
}

async function measure(page: Page, seconds: number, rate: number): Promise<Measured> {
  return page.evaluate(`window.__mapBench.measure(${seconds}, ${rate})`) as Promise<Measured>;
}
