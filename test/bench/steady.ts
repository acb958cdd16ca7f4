// Figure 3: publish -> viewer latency under a steady load (N publishers at one fix per second, viewers on
// `locations`), the service and the pass-through component taking turns on the same publishers and viewers, each
// round on a freshly started component after an unmeasured warm-up. Loads below capacity give the latency curve;
// the issue's 1,000 publishers (above what this Prosody can route, see the ceiling figure) is measured once.
import type { ChildProcess } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type BenchClient, connectMany, publishStanza, type Target } from "./clients.ts";
import { steadyRound } from "./latency.ts";
import { childLog, stopChild, waitForOutput, withCpu } from "./procs.ts";
import { type Figures, quantile } from "./stats.ts";
import { serviceSubscribe } from "./throughput.ts";

export type Arm = "service" | "pass-through";

export interface SteadyContext {
  figs: Figures;
  target: Target;
  viewers: BenchClient[];
  start: Record<Arm, () => Promise<ChildProcess>>;
  prosodyPid: number;
  rounds: number;
  seconds: number;
  /** publisher counts measured over all rounds, ascending */
  loads: number[];
  /** a load above capacity, measured in one round (optional) */
  overload?: number;
  log: (s: string) => void;
}

/**
 * The superseded locations the service reports shed after `from` in its log, once they add up to `missing`; if
 * they do not within 10 s, what it reported (the figure then shows delivered + shed under 100%: a loss).
 */
async function shedSince(child: ChildProcess, from: number, missing: number): Promise<number> {
  const total = (printed: string) =>
    [...printed.matchAll(/caught up: (\d+) superseded/g)].reduce((a, m) => a + Number(m[1]), 0);
  return waitForOutput(child, (printed) => (total(printed) >= missing ? total(printed) : null), from).catch(() =>
    total(childLog(child).slice(from)),
  );
}

/** Runs the figure; returns every publisher it connected (the caller stops them). */
export async function steadyFigures(c: SteadyContext): Promise<BenchClient[]> {
  const service = c.target.component;
  let steady: BenchClient[] = [];
  const loads = [
    ...c.loads.map((n) => ({ n, rounds: c.rounds })),
    ...(c.overload ? [{ n: c.overload, rounds: 1 }] : []),
  ];
  for (const { n, rounds } of loads) {
    c.log(`connecting ${n} steady publishers`);
    const fresh = await connectMany(c.target, "spub", n - steady.length, "phone", 25, steady.length);
    steady = [...steady, ...fresh];
    // steady state: each new publisher's first publish creates its node and the service's presence subscription
    // request (roster writes in Prosody); that one-time cost is not what this figure measures
    const svc = await c.start.service();
    await Promise.all(fresh.map((p) => p.iq("set", service, publishStanza(`first-${p.bare}`))));
    // and Prosody settles after the new sessions and roster writes (seen: the first measured round, always the
    // service's, had 3-4x the p99 of the next ones, with the service's event loop never blocked over 9 ms)
    await serviceSubscribe(service, c.viewers);
    await steadyRound(steady.slice(0, n), c.viewers, service, 2, `settle${n}`);
    await stopChild(svc);
    const fresh3 = () => ({
      p50: [] as number[],
      p99: [] as number[],
      max: [] as number[],
      delivered: [] as number[],
      shed: [] as number[],
      prosody: [] as number[],
      component: [] as number[],
      benchLoop: [] as number[],
    });
    const r3: Record<Arm, ReturnType<typeof fresh3>> = { service: fresh3(), "pass-through": fresh3() };
    let failed = 0;
    for (let r = 0; r < rounds; r++) {
      for (const arm of (r % 2 === 0 ? ["service", "pass-through"] : ["pass-through", "service"]) as Arm[]) {
        const child = await c.start[arm]();
        try {
          await serviceSubscribe(service, c.viewers);
          await steadyRound(steady.slice(0, n), c.viewers, service, 1, `warm${n}-${arm}-${r}`); // JIT, buffers
          const logFrom = childLog(child).length;
          // the measuring side's own delays: every publisher and viewer lives in this process, so a timer or a read
          // that waits here adds to the latency measured (the part of the tail that is not Prosody's or the
          // component's)
          const loop = monitorEventLoopDelay({ resolution: 1 });
          loop.enable();
          const { result: res, cpu } = await withCpu({ Prosody: c.prosodyPid, component: child.pid }, () =>
            steadyRound(steady.slice(0, n), c.viewers, service, c.seconds, `st${n}-${arm}-${r}`),
          ).finally(() => loop.disable());
          // what did not arrive was dropped by the service's bounded outbox as superseded: it logs how many at the
          // end of each overload episode; the last one ends when the barrier leaves, so all are logged (or coming)
          const shed =
            res.lat.length < res.expected && arm === "service"
              ? await shedSince(child, logFrom, res.expected - res.lat.length)
              : 0;
          const x = r3[arm];
          x.p50.push(quantile(res.lat, 0.5));
          x.p99.push(quantile(res.lat, 0.99));
          x.max.push(Math.max(...res.lat));
          x.delivered.push((100 * res.lat.length) / res.expected);
          x.shed.push((100 * shed) / res.expected);
          x.prosody.push(cpu.Prosody);
          x.component.push(cpu.component);
          x.benchLoop.push(loop.percentile(99) / 1e6);
          failed += res.failed;
          c.log(
            `steady ${n} publishers, ${arm}, round ${r + 1}/${rounds}: ` +
              `${res.lat.length}/${res.expected} notifications${shed ? ` (+${shed} shed as superseded)` : ""}, ` +
              `p50 ${quantile(res.lat, 0.5).toFixed(2)} ms p99 ${quantile(res.lat, 0.99).toFixed(2)} ms, ` +
              `${res.failed} publishes failed`,
          );
        } finally {
          await stopChild(child);
        }
      }
    }
    const offered = (n * c.viewers.length).toLocaleString("en-US");
    const s3 =
      `3 steady ${n.toLocaleString("en-US")} pub x 1/s, ` +
      `${c.viewers.length} viewers (${offered} notifications/s offered)`;
    for (const arm of ["service", "pass-through"] as const) {
      const x = r3[arm];
      c.figs.add(s3, `${arm} latency p50`, x.p50, "ms", `${c.seconds} s per round`);
      c.figs.add(s3, `${arm} latency p99`, x.p99, "ms");
      c.figs.add(s3, `${arm} latency max`, x.max, "ms");
      c.figs.add(
        s3,
        `${arm} notifications delivered`,
        x.delivered,
        "%",
        failed ? `${failed} publishes failed` : undefined,
      );
      c.figs.add(s3, `${arm}: Prosody CPU`, x.prosody, "% core", "the round and its drain");
      c.figs.add(s3, `${arm}: component CPU`, x.component, "% core");
      c.figs.add(
        s3,
        `${arm}: the bench's own event-loop delay p99`,
        x.benchLoop,
        "ms",
        "publishers and viewers run in the bench",
      );
    }
    c.figs.add(
      s3,
      "service: superseded locations shed by its bounded outbox",
      r3.service.shed,
      "%",
      "delivered + shed = 100%",
    );
    c.figs.add(
      s3,
      "added p99 (service - pass-through)",
      r3.service.p99.map((x, i) => x - r3["pass-through"].p99[i]),
      "ms",
      "same round",
    );
  }
  return steady;
}
