// Publish -> viewer latency under a steady load: N publishers at one update per second, viewers on `locations`.
import { type BenchClient, eventItemIds, publishStanza } from "./clients.ts";

export interface SteadyResult {
  /** publish sent -> notification received, ms, for the notifications that arrived */
  lat: number[];
  expected: number;
  /** publishes that got an error or no answer */
  failed: number;
}

/**
 * One round: every publisher publishes once a second (phases spread over the second) for `seconds`, then sends a
 * barrier once every publish is answered. An overloaded system is a result, not a failure: what arrived, and how
 * late, is returned.
 */
export async function steadyRound(
  publishers: BenchClient[],
  viewers: BenchClient[],
  service: string,
  seconds: number,
  tag: string,
): Promise<SteadyResult> {
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const expected = publishers.length * seconds * viewers.length;
  for (const v of viewers) {
    v.onStanza = (s) => {
      for (const id of eventItemIds(s)) {
        const t0 = sent.get(id);
        if (t0 !== undefined) lat.push(performance.now() - t0);
      }
    };
  }
  const errors: Error[] = [];
  const timers: NodeJS.Timeout[] = [];
  const acks: Promise<unknown>[] = [];
  const allSent = new Promise<void>((allOut) => {
    let left = publishers.length * seconds;
    publishers.forEach((p, i) => {
      const offset = (i / publishers.length) * 1000;
      for (let s = 0; s < seconds; s++) {
        timers.push(
          setTimeout(
            () => {
              const id = `${tag}-${i}-${s}`;
              sent.set(id, performance.now());
              acks.push(p.iq("set", service, publishStanza(id)).catch((e: Error) => errors.push(e)));
              if (--left === 0) allOut();
            },
            offset + s * 1000,
          ),
        );
      }
    });
  });
  let t: NodeJS.Timeout | undefined;
  try {
    // A barrier ends the round on an empty pipe: once every publish is answered (processed by the component), one
    // more publish; each component's output is one FIFO, so when every viewer has the barrier, everything before it
    // was delivered (or shed by the service's bounded outbox as superseded, under overload: nothing more will come).
    await allSent;
    await Promise.all(acks);
    const barrier = `${tag}-barrier`;
    let seen = 0;
    await new Promise<void>((ok, fail) => {
      t = setTimeout(
        () => fail(new Error(`steady load ${tag}: the barrier reached ${seen}/${viewers.length} viewers in 180 s`)),
        180_000,
      );
      for (const v of viewers) {
        const before = v.onStanza;
        v.onStanza = (st) => {
          before(st);
          if (eventItemIds(st).includes(barrier) && ++seen === viewers.length) ok();
        };
      }
      publishers[0].iq("set", service, publishStanza(barrier)).catch(fail);
    });
  } finally {
    clearTimeout(t);
    timers.forEach(clearTimeout);
    for (const v of viewers) v.onStanza = () => {};
  }
  return { lat, expected, failed: errors.length };
}
