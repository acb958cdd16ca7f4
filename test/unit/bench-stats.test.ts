// The benchmark's cost model (test/bench/stats.ts fitLine): Prosody's CPU per publish = fixed + fan-out x per
// notification. The README's break-even fan-out is read off this fit, so it must recover a known line.
import { describe, expect, it } from "vitest";
import { Figures, fitLine, quantile } from "../bench/stats.ts";
import { renderTable } from "../bench/table.ts";

describe("fitLine", () => {
  it("recovers an exact line from the three fan-outs the bench uses", () => {
    const f = fitLine([1, 10, 100].map((x) => [x, 1836 + 88 * x]));
    expect(f.fixed).toBeCloseTo(1836, 9);
    expect(f.perX).toBeCloseTo(88, 9);
  });

  it("is the least-squares line when the points do not lie on one", () => {
    // y = 1, 3, 2 at x = 0, 1, 2: slope 0.5, intercept 1.5 by the normal equations
    const f = fitLine([
      [0, 1],
      [1, 3],
      [2, 2],
    ]);
    expect(f.perX).toBeCloseTo(0.5, 12);
    expect(f.fixed).toBeCloseTo(1.5, 12);
  });

  it("gives the crossing fan-out of two cost lines the bench reports", () => {
    const pep = fitLine([1, 10, 100].map((x) => [x, 1836 + 88 * x]));
    const component = fitLine([1, 10, 100].map((x) => [x, 331 + 263 * x]));
    expect((pep.fixed - component.fixed) / (component.perX - pep.perX)).toBeCloseTo(1505 / 175, 9);
  });
});

describe("quantile", () => {
  it("takes the nearest rank", () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 0.99)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("Figures", () => {
  it("keeps the median and the range of the rounds, and the table prints both", () => {
    const figs = new Figures();
    expect(figs.add("2 vs pass-through", "ratio", [0.98, 0.74, 0.81, 0.94, 0.89], "x")).toBe(0.89);
    figs.add("5 memory", "heap per publisher", [1739], "bytes");
    expect(figs.all[0]).toMatchObject({ value: 0.89, rounds: 5, min: 0.74, max: 0.98 });
    const [, , ratio, heap] = renderTable(figs.all).split("\n");
    expect(ratio).toMatch(/0\.89 +x +5 +0\.74 to 0\.98$/);
    // one round has no range to show
    expect(heap).toMatch(/1,739 +bytes +1$/);
  });
});
