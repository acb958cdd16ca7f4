// Benchmark modes and flags: --smoke (seconds, CI), --quick (minutes), default (fuller). Pure.
import { parseArgs } from "node:util";
import type { KneeOptions } from "./knee.ts";

export type Mode = "smoke" | "quick" | "full";

export interface BenchOptions {
  mode: Mode;
  out?: string;
  /** figures to run (2 is measured with 1, so it is never listed): --only, else the mode's */
  figures: Set<number>;
  rounds: number;
  /** seconds each arm publishes in a throughput round (per fan-out) */
  roundSeconds: number;
  /** seconds of publishing before each measured throughput run, not counted (JIT, caches, Prosody's buffers) */
  warmupSeconds: number;
  fanouts: number[];
  /** figures 1 and 2: publishes sent and not yet acknowledged, across the publishers (a closed loop) */
  inFlight: number;
  throughputPublishers: number;
  /** sequential publishes for the added-latency comparison */
  latencySamples: number;
  /** figure 3: steady publisher counts, ascending, each measured over all rounds */
  latencyPublishers: number[];
  /** figure 3: a load above what this Prosody routes (the 1,000 publishers), measured in one round */
  latencyOverload?: number;
  latencySeconds: number;
  /** figure 3: stanzas per ceiling round */
  ceilingCount: number;
  offlinePublishers: number;
  memoryCounts: number[];
  /** figure 6: publishers on the map, and seconds per phase (idle, moving) */
  mapCounts: number[];
  mapSeconds: number;
  /** figure 8: fixes per round on each publish path */
  pathFixes: number;
  /** figure 7: publishers and publishes each through 1 and 2 instances; publishers for the split */
  cluster: { publishers: number; publishesEach: number; inFlight: number; splitPublishers: number };
  /** figure 9: publishers at 1/s, viewers per mode, seconds per round, digest period */
  digestArea: { publishers: number; viewers: number; cityViewers: number; seconds: number; digestMs: number };
  /** figure 10: the knee search (steps, their length, the counts tried) and the settings rounds at the knee */
  knee: KneeOptions;
}

export const HELP = `Usage: npm run bench -- [--smoke | --quick] [--only LIST] [--in-flight N] [--out FILE]

Benchmarks the geo presence service on a private Prosody of its own (temp data dir, free ports), and on a private
ejabberd + PostgreSQL for figure 7:
  1. publish -> notification throughput: service vs Prosody's own PEP, fan-out 1, 10 and 100 (--smoke: 1 and 10)
  2. service vs a pass-through component: throughput ratio and added latency p50/p99
  3. Prosody's own ceiling for component -> viewer stanzas; then publish -> viewer latency with N publishers at
     1 update/s and 10 viewers on node "locations", service vs pass-through, up to the issue's 1,000 publishers
  4. offline detection: dropped / clean disconnect -> viewers' "presence" notification
  5. component memory per publisher (core, shell and SQLite in a child process, after GC), and per history item
  6. the map in headless Chromium (Debian's chromium): frame time p50/p95, 1,000 and 5,000 moving publishers vs idle
  7. several instances on a private ejabberd sharing a private PostgreSQL: 1 vs 2, CPU per publish, the split
  8. the three publish paths one fix at a time: to the service, to one's own PEP node (ingested), mirror mode
  9. digests and areas: N publishers at 1/s, viewers on "locations" plain, with 1 s digests, with an area holding
     half the fixes, and over 20 cities with each of 100 viewers on one city's area and 1 s digests: latency,
     fixes/messages/bytes per viewer, fixes outside the area (0), Prosody's, the service's and the bench's CPU
 10. the knee: the most publishers at 1/s held at p99 <= 1 s + 50 ms with 1 s digests (10 full-map viewers; 100
     area viewers over 20 cities), service vs the digest pass-through, by doubling then bisection (each step
     printed), what gives out first above it (CPU of Prosody, the component and the bench, Prosody's ping round
     trip, the bench's event-loop delay); then Prosody's read_size 8 vs 256 KiB and its default GC at that load
Every ratio is measured in the same run; every figure is the median of the rounds shown.

Options:
  --smoke      seconds: tiny counts, 1 round (CI)
  --quick      about 8 minutes: the issue's figures 1-6, 9 and 10, 3 rounds: fan-out 1/10/100, 100 and 1,000 publishers
               at 1/s, memory at 1,000 and 10,000 (figures 7 and 8 with --only 7,8)
  (default)    fuller: all 10 figures, 5 rounds, longer runs, 100-300 and 1,000 publishers in figure 3
  --out FILE   also write the figures as JSON
  --only LIST  run only these figures, e.g. --only 3 or --only 1,6,10 (1 and 2 are measured together)
  --in-flight N  figures 1 and 2: publishes awaiting their acknowledgement at any time (default 20); a larger
               window keeps Prosody busier while a component holds a batch
  -h, --help   this text

Exit codes: 0 done, 1 a benchmark failed (lost notifications, timeouts, Prosody missing), 2 bad flags.`;

/** figure 10 outside --smoke: at most about 3 minutes; doubling from the start, then 2 bisections */
const KNEE: KneeOptions = {
  seconds: 3,
  digestMs: 1000,
  viewers: 10,
  cityViewers: 100,
  start: { "full map": 250, cities: 500 },
  max: { "full map": 2000, cities: 2000 },
  bisect: 2,
  settingsRounds: 2,
};

export function readOptions(argv: string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: "boolean" },
      quick: { type: "boolean" },
      out: { type: "string" },
      only: { type: "string" },
      "in-flight": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  if (values.smoke && values.quick) throw new Error("--smoke and --quick exclude each other");
  const mode: Mode = values.smoke ? "smoke" : values.quick ? "quick" : "full";
  const only =
    values.only === undefined
      ? undefined
      : new Set(
          values.only.split(",").map((x) => {
            const n = Number(x.trim());
            if (!Number.isInteger(n) || n < 1 || n > 10)
              throw new Error(`--only takes figure numbers 1-10, comma-separated; got "${x}"`);
            return n === 2 ? 1 : n;
          }),
        );
  const inFlight = values["in-flight"] === undefined ? 20 : Number(values["in-flight"]);
  if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > 1000)
    throw new Error(`--in-flight takes a whole number from 1 to 1000; got "${values["in-flight"]}"`);
  const figures = only ?? new Set(mode === "quick" ? [1, 3, 4, 5, 6, 9, 10] : [1, 3, 4, 5, 6, 7, 8, 9, 10]);
  const base = {
    mode,
    out: values.out,
    figures,
    inFlight,
    throughputPublishers: 4,
    pathFixes: mode === "smoke" ? 20 : mode === "quick" ? 200 : 500,
  };
  if (mode === "smoke")
    return {
      ...base,
      rounds: 1,
      roundSeconds: 0.5,
      warmupSeconds: 0.3,
      fanouts: [1, 10],
      latencySamples: 50,
      latencyPublishers: [20],
      latencySeconds: 3,
      ceilingCount: 2000,
      offlinePublishers: 10,
      memoryCounts: [1000],
      mapCounts: [1000],
      mapSeconds: 2,
      cluster: { publishers: 20, publishesEach: 10, inFlight: 20, splitPublishers: 100 },
      digestArea: { publishers: 20, viewers: 3, cityViewers: 3, seconds: 2, digestMs: 1000 },
      knee: {
        seconds: 1,
        digestMs: 250,
        viewers: 3,
        cityViewers: 20,
        start: { "full map": 20, cities: 40 },
        max: { "full map": 20, cities: 40 },
        bisect: 0,
        settingsRounds: 1,
      },
    };
  if (mode === "quick")
    return {
      ...base,
      rounds: 3,
      roundSeconds: 3,
      warmupSeconds: 1.5,
      fanouts: [1, 10, 100],
      latencySamples: 300,
      latencyPublishers: [100],
      latencyOverload: 1000,
      latencySeconds: 6,
      ceilingCount: 10_000,
      offlinePublishers: 40,
      memoryCounts: [1000, 10000],
      mapCounts: [1000, 5000],
      mapSeconds: 3,
      cluster: { publishers: 100, publishesEach: 40, inFlight: 50, splitPublishers: 200 },
      digestArea: { publishers: 500, viewers: 10, cityViewers: 100, seconds: 6, digestMs: 1000 },
      knee: KNEE,
    };
  return {
    ...base,
    rounds: 5,
    roundSeconds: 8,
    warmupSeconds: 3,
    fanouts: [1, 10, 100],
    latencySamples: 1000,
    latencyPublishers: [100, 200, 300],
    latencyOverload: 1000,
    latencySeconds: 10,
    ceilingCount: 20_000,
    offlinePublishers: 100,
    memoryCounts: [1000, 10000],
    mapCounts: [1000, 5000],
    mapSeconds: 10,
    cluster: { publishers: 200, publishesEach: 50, inFlight: 50, splitPublishers: 1000 },
    digestArea: { publishers: 1000, viewers: 10, cityViewers: 100, seconds: 10, digestMs: 1000 },
    knee: KNEE,
  };
}
