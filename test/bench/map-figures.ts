// Figure 6: the map in headless Chromium against the bench's service, idle and with every publisher moving.
import type { Prosody } from "../../prosody/server.ts";
import type { BenchContext } from "./context.ts";
import { mapFrames, MOVE_EVERY_S, type MapRound } from "./map.ts";

export async function mapFigures(c: BenchContext, prosody: Prosody): Promise<void> {
  const { opts, figs, log, want } = c;
  const R = opts.rounds;
  prosody.register("mapviewer", "pw");
  const target = {
    websocketUrl: prosody.websocketUrl,
    service: prosody.component,
    jid: `mapviewer@${prosody.domain}`,
    password: "pw",
  };
  const frames = new Map<number, MapRound[]>();
  for (let r = 0; r < (want(6) ? Math.min(R, 3) : 0); r++) {
    for (const round of await mapFrames(target, opts.mapCounts, opts.mapSeconds, log))
      frames.set(round.count, [...(frames.get(round.count) ?? []), round]);
  }
  for (const [count, rounds] of frames) {
    const s6 = `6 map, ${count.toLocaleString("en-US")} publishers`;
    const pick = (f: (x: MapRound) => number) => rounds.map(f);
    figs.add(
      s6,
      "idle frame p50",
      pick((x) => x.idle.p50),
      "ms",
      `${opts.mapSeconds} s per phase`,
    );
    figs.add(
      s6,
      "idle frame p95",
      pick((x) => x.idle.p95),
      "ms",
    );
    figs.add(
      s6,
      "moving frame p50",
      pick((x) => x.moving.p50),
      "ms",
      `${count / MOVE_EVERY_S} updates/s`,
    );
    figs.add(
      s6,
      "moving frame p95",
      pick((x) => x.moving.p95),
      "ms",
    );
    figs.add(
      s6,
      "ratio moving/idle p95",
      pick((x) => x.moving.p95 / x.idle.p95),
      "x",
      "same round",
    );
    figs.add(
      s6,
      "page main thread busy, moving",
      pick((x) => x.moving.busy),
      "ms/s",
    );
  }
}
