// Figure 3's first part: Prosody's ceiling, a raw component sending to the viewers (no service connected), on the
// bench's Prosody (GC_TUNING) and on a second one with Prosody's own GC parameters.
import { join } from "node:path";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { prosodyCeiling } from "./ceiling.ts";
import { connectMany, stopAll, type BenchClient } from "./clients.ts";
import { PLAIN_AUTH, type BenchContext } from "./context.ts";
import { median } from "./stats.ts";

export async function ceilingFigures(c: BenchContext, prosody: Prosody, sv: BenchClient[]): Promise<void> {
  const { opts, figs, log, dataDir } = c;
  const R = opts.rounds;
  const count = opts.ceilingCount;
  const sc =
    `3 Prosody's ceiling: a raw component to ${sv.length} viewers, ` + `${count.toLocaleString("en-US")} stanzas/round`;
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
}
