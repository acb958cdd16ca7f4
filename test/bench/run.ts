// The figures measured on the bench's private Prosody (1-4, 6 and 9): the viewers and publishers they share are
// connected once; the components take turns as child processes (arms.ts).
import type { Prosody } from "../../prosody/server.ts";
import { componentArms } from "./arms.ts";
import { ceilingFigures } from "./ceiling-figures.ts";
import { type BenchClient, type Target, connectMany, stopAll } from "./clients.ts";
import type { BenchContext } from "./context.ts";
import { digestAreaFigures } from "./digest-area.ts";
import { fanoutFigures } from "./fanout.ts";
import { mapFigures } from "./map-figures.ts";
import { offlineFigures } from "./offline-figures.ts";
import { stopChild } from "./procs.ts";
import { steadyFigures } from "./steady.ts";
import { serviceSubscribe } from "./throughput.ts";

export async function runOnProsody(c: BenchContext, prosody: Prosody): Promise<void> {
  const { opts, figs, log, want } = c;
  const R = opts.rounds;
  const t: Target = prosody; // a Prosody is a Target: its c2s service, domain and component
  const maxF = Math.max(
    want(1) ? Math.max(...opts.fanouts) : 10,
    want(9) ? Math.max(opts.digestArea.viewers, opts.digestArea.cityViewers) : 0,
  );
  log(`connecting ${maxF} viewers and ${opts.throughputPublishers} publishers`);
  const viewers = await connectMany(t, "viewer", maxF, "map");
  const pubs = await connectMany(t, "tpub", opts.throughputPublishers, "phone");
  const clients: BenchClient[] = [...viewers, ...pubs];
  const { children, digestPassThrough } = componentArms(prosody, opts);
  try {
    await fanoutFigures(c, prosody, viewers, pubs, children, maxF);
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
      await ceilingFigures(c, prosody, sv);
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

    await offlineFigures(c, t, sv);
    await mapFigures(c, prosody);
    await stopChild(svc);
  } finally {
    await stopAll(clients);
  }
}
