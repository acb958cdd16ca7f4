// Figures 1 and 2: the service against PEP and against a pass-through component at each fan-out (throughput,
// Prosody's CPU per publish and per notification, the fan-out where a component's cost equals PEP's), and the
// latency of one publish at a time.
import type { Prosody } from "../../prosody/server.ts";
import type { ArmName, Arms } from "./arms.ts";
import type { BenchClient } from "./clients.ts";
import type { BenchContext } from "./context.ts";
import { stopChild, withCpu } from "./procs.ts";
import { fitLine, median, quantile } from "./stats.ts";
import { drive, oneAtATime, pepSubscribe, pepUnsubscribe, serviceSubscribe } from "./throughput.ts";

export async function fanoutFigures(
  c: BenchContext,
  prosody: Prosody,
  viewers: BenchClient[],
  pubs: BenchClient[],
  children: Arms,
  maxF: number,
): Promise<void> {
  const { opts, figs, log, want } = c;
  const R = opts.rounds;
  // 1 and 2: PEP, the service and the pass-through take turns within each round (one component connection at a
  // time on this domain), each arm warmed up first, the two components' order alternating between rounds.
  const latF = Math.min(10, maxF);
  const lat: Record<ArmName, number[][]> = {
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
    const arm: Record<ArmName, { p: number[]; n: number[] }> = {
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
      const arms = ["service", "pass-through", "batched pass-through"] as ArmName[];
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
      `1 vs PEP, fan-out ${F}, ${opts.roundSeconds} s per arm and round ` + `after ${opts.warmupSeconds} s unmeasured`;
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
    const q = (name: ArmName, p: number) => lat[name].map((l) => quantile(l, p));
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
}
