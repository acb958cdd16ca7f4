import { describe, expect, it } from "vitest";
import { CELL_DEG, gazetteerFiles } from "../../client-web/build.ts";
import { minPopulation } from "../../client-web/src/map/place-rank.ts";

const city = (name: string, lat: number, lon: number, population: number, featureCode = "PPL") => ({
  name,
  featureCode,
  population,
  loc: { coordinates: [lon, lat] as [number, number] },
});

describe("the offline gazetteer", () => {
  it("splits places by population, the small ones into 10° cells, most populous first", () => {
    const files = gazetteerFiles([
      city("Small", 52.4, 13.1, 2_000),
      city("Berlin", 52.52, 13.405, 3_426_354, "PPLC"),
      city("Mid", 52.1, 13.2, 20_000),
      city("Hamburg", 53.55, 9.99, 1_739_117),
      city("Gone", 52.3, 13.3, 50_000, "PPLH"),
      city("Tiny", 52.2, 13.2, 5_000),
    ]);
    expect(JSON.parse(files.get("big.json")!)).toEqual([
      ["Berlin", 52.52, 13.405, 3426354],
      ["Hamburg", 53.55, 9.99, 1739117],
    ]);
    expect(JSON.parse(files.get("mid.json")!)).toEqual([["Mid", 52.1, 13.2, 20000]]); // a historical place is left out
    const cell = `c/${Math.floor((52.4 + 90) / CELL_DEG)}_${Math.floor((13.1 + 180) / CELL_DEG)}.json`;
    expect(JSON.parse(files.get(cell)!)).toEqual([
      ["Tiny", 52.2, 13.2, 5000],
      ["Small", 52.4, 13.1, 2000],
    ]);
    expect(files.size).toBe(3);
  });

  it("labels more, smaller places as the zoom grows", () => {
    const mins = [3, 5, 7, 9, 12].map(minPopulation);
    expect(mins).toEqual([...mins].sort((a, b) => b - a));
    expect(minPopulation(3)).toBe(1_000_000);
    expect(minPopulation(12)).toBe(0);
  });
});
