// One step of figure 10's search: n publishers at one fix per second for a few seconds on one arm of the arena, with
// the latency, the share delivered, every process's CPU, the machine's busy share and both event loops' delays;
// and, for a step that missed, what gave out first.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { xml } from "@xmpp/client";
import { publishStanza } from "./clients.ts";
import { CITIES, cityFix, subscribePubsub } from "./area-modes.ts";
import type { Arena } from "./knee-arena.ts";
import type { KneeArm, KneeContext, KneeMode, Step } from "./knee-types.ts";
import { withCpu } from "./procs.ts";
import type { ScanViewer } from "./scan-viewer.ts";
import { quantile } from "./stats.ts";

export const CORES = availableParallelism();

/** busy share of the whole machine (all cores, every process, the other developers' included), from /proc/stat */
function machineTicks(): { busy: number; all: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const all = f.reduce((a, b) => a + b, 0);
  return { busy: all - idle, all };
}

export async function step(
  c: KneeContext,
  a: Arena,
  arm: KneeArm,
  mode: KneeMode,
  n: number,
  tag: string,
): Promise<Step> {
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

export const show = (s: Step) =>
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
