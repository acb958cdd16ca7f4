// Figure 10 (issue 19 §5): the knee. The most publishers at one fix per second that a mode holds at p99 <= period +
// 50 ms, for the service and the digest pass-through on one Prosody, found by a bounded search (doubling, then
// bisection), with what saturates first; then Prosody's read_size and GC parameters measured at the service's knee.
// Two modes: 10 full-map viewers on 1 s digests ("full map"), and 100 viewers each on one of 20 cities' areas with
// 1 s digests ("cities"). Viewers scan their stream (scan-viewer.ts); publishers are xmpp.js clients.
import { CITIES } from "./area-modes.ts";
import { type Arena, closeArena, openArena, reload } from "./knee-arena.ts";
import { CORES, saturated, show, step } from "./knee-step.ts";
import type { KneeArm, KneeContext, KneeMode, Step } from "./knee-types.ts";

export type { KneeContext, KneeMode, KneeOptions, Step } from "./knee-types.ts";
export { saturated } from "./knee-step.ts";

const READ_SIZE = 262_144;

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
      const arms: KneeArm[] = ["service", "digest pass-through"];
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
