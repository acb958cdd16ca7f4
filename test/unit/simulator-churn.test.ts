import { describe, it, expect } from "vitest";
import { nextChurn, CHURN_KINDS, type ChurnKind } from "../../component/src/simulator/churn.ts";
import { seedFor } from "../../component/src/simulator/random.ts";

function simulate(rate: number, seconds: number, seed = 1) {
  let s = seedFor(seed, 0);
  const events: { kind: ChurnKind; downS: number }[] = [];
  for (let t = 0; t < seconds; t++) {
    const [e, next] = nextChurn(s, rate, 1, 20);
    s = next;
    if (e) events.push(e);
  }
  return events;
}

describe("churn", () => {
  it("never happens at rate 0", () => {
    expect(simulate(0, 10_000)).toEqual([]);
  });

  it("happens about `rate` times per minute", () => {
    const n = simulate(0.5, 60 * 1000).length; // expect ~500
    expect(n).toBeGreaterThan(430);
    expect(n).toBeLessThan(570);
  });

  it("mixes drops, logouts, away and stop-sharing, each undone after a while", () => {
    const events = simulate(6, 3600);
    for (const k of CHURN_KINDS) expect(events.filter((e) => e.kind === k).length).toBeGreaterThan(10);
    for (const e of events) {
      expect(e.downS).toBeGreaterThanOrEqual(10 - 1e-9);
      expect(e.downS).toBeLessThanOrEqual(30 + 1e-9);
    }
  });

  it("is deterministic for a seed", () => {
    expect(simulate(2, 600, 9)).toEqual(simulate(2, 600, 9));
    expect(simulate(2, 600, 9)).not.toEqual(simulate(2, 600, 10));
  });
});
