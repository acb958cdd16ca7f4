// Figure 4: how soon the viewers learn that a publisher went offline, by a dropped socket or a clean </stream>.
import type { BenchClient, Target } from "./clients.ts";
import { connectMany, stopAll } from "./clients.ts";
import type { BenchContext } from "./context.ts";
import { bringOnline, measureOffline } from "./offline.ts";
import { quantile } from "./stats.ts";
import { serviceSubscribe } from "./throughput.ts";

export async function offlineFigures(c: BenchContext, t: Target, sv: BenchClient[]): Promise<void> {
  const { opts, figs, log, want } = c;
  const R = opts.rounds;
  const names = Array.from({ length: want(4) ? opts.offlinePublishers : 0 }, (_, i) => `opub${i}`);
  if (want(4)) {
    await serviceSubscribe(t.component, sv, "presence");
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
}
