import { describe, it, expect } from "vitest";
import { Histogram, Stats, progressLine, summary } from "../../component/src/simulator/stats.ts";

describe("the latency histogram", () => {
  it("is empty at first", () => {
    expect(new Histogram().quantile(0.5)).toBeUndefined();
  });

  it("gives percentiles within a few percent", () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 .. 100 ms
    expect(h.quantile(0.5)!).toBeGreaterThan(49);
    expect(h.quantile(0.5)!).toBeLessThan(52);
    expect(h.quantile(0.99)!).toBeGreaterThan(98);
    expect(h.quantile(0.99)!).toBeLessThanOrEqual(100);
    expect(h.quantile(1)).toBe(100);
  });

  it("never reports more than the maximum seen", () => {
    const h = new Histogram();
    h.record(3);
    expect(h.quantile(0.5)).toBe(3);
  });
});

describe("the run statistics", () => {
  it("reports the rate and latency of the last window, then starts a new one", () => {
    const s = new Stats(0, 10);
    s.online = 10;
    for (let i = 0; i < 20; i++) s.ack(2);
    s.fail("timeout");
    const w = s.takeWindow(2000);
    expect(w).toMatchObject({ online: 10, target: 10, publishes: 20, failed: 1, ratePerS: 10 });
    expect(w.p50).toBeCloseTo(2, 1);
    expect(progressLine(w)).toContain("online 10/10");
    const w2 = s.takeWindow(3000);
    expect(w2.ratePerS).toBe(0);
    expect(w2.p50).toBeUndefined();
    expect(w2.publishes).toBe(20);
  });

  it("calls a run failed when most publishes failed or none was attempted", () => {
    const s = new Stats(0, 1);
    expect(s.failedRun()).toBe(true);
    s.ack(1);
    s.fail("x");
    expect(s.failedRun()).toBe(false);
    s.fail("x");
    expect(s.failedRun()).toBe(true);
  });

  it("summarises counts, latency, churn, CPU and problems", () => {
    const s = new Stats(0, 5);
    s.ack(1);
    s.churn.drop = 2;
    s.error("login: not-authorized");
    const text = summary(s, 10_000, 1);
    expect(text).toContain("churn: drop 2");
    expect(text).toContain("10.0% of one core");
    expect(text).toContain("login: not-authorized x1");
  });
});
