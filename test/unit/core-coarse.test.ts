// Coarse sharing: the pure grid snapping (XEP-0080 §8: a deliberately imprecise position that cannot be averaged).
import { describe, expect, it } from "vitest";
import { coarsen, snap } from "../../component/src/core/coarse.ts";

const KM_PER_DEG = (2 * Math.PI * 6371.0088) / 360;
/** great-circle distance in km */
function km(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const r = Math.PI / 180;
  const h =
    Math.sin(((bLat - aLat) * r) / 2) ** 2 +
    Math.cos(aLat * r) * Math.cos(bLat * r) * Math.sin(((bLon - aLon) * r) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
}

describe("snap", () => {
  it("gives every point of a cell the same centre, and the centre is within the cell's radius", () => {
    const a = snap(52.52, 13.405, 5);
    const b = snap(52.5201, 13.4051, 5);
    expect(b).toEqual(a);
    expect(km(52.52, 13.405, a.lat, a.lon) * 1000).toBeLessThanOrEqual(a.radiusM);
  });

  it("never moves a point further than the cell's radius, and moves a typical point", () => {
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const lat = -89.9 + ((i * 37.77) % 179.8);
      const lon = -180 + ((i * 91.31) % 360);
      for (const grid of [1, 5, 50]) {
        const c = snap(lat, lon, grid);
        const d = km(lat, lon, c.lat, c.lon);
        expect(d * 1000, `${lat},${lon} @${grid} km`).toBeLessThanOrEqual(c.radiusM + 1);
        if (d > 0.01) moved++;
      }
    }
    expect(moved).toBeGreaterThan(5000);
  });

  it("makes cells about N km tall and at least N km wide", () => {
    const c = snap(10, 10, 10);
    const rowHeightKm = (180 / Math.round((180 * KM_PER_DEG) / 10)) * KM_PER_DEG;
    expect(rowHeightKm).toBeCloseTo(10, 1);
    // half-diagonal of a ~10 x >=10 km cell
    expect(c.radiusM).toBeGreaterThanOrEqual(Math.hypot(5000, 5000) - 50);
    expect(c.radiusM).toBeLessThan(Math.hypot(5000, 10000));
  });

  it("treats lon 180 and -180 as the same place (no seam at the antimeridian)", () => {
    expect(snap(0, 180, 10)).toEqual(snap(0, -180, 10));
    const east = snap(-16.5, 179.999, 10),
      west = snap(-16.5, -179.999, 10);
    expect(km(east.lat, east.lon, west.lat, west.lon)).toBeLessThan(20); // neighbours, not a world apart
    for (const c of [east, west]) expect(Math.abs(c.lon)).toBeLessThanOrEqual(180);
  });

  it("keeps the poles inside [-90, 90], with few polar cells, each still at least N km wide", () => {
    const n = snap(90, 0, 10);
    expect(n).toEqual(snap(89.99, 1, 10));
    expect(n.lat).toBeLessThanOrEqual(90);
    expect(snap(-90, -45, 10).lat).toBeGreaterThanOrEqual(-90);
    // the row around the pole is ~31 km round at its centre: three cells, at lon -120, 0 and 120
    expect(new Set([0, 90, 170, -100].map((lon) => snap(89.99, lon, 10).lon))).toEqual(new Set([0, 120, -120]));
  });

  it("works for a grid larger than the Earth", () => {
    expect(snap(45, 45, 50_000)).toMatchObject({ lat: 0, lon: 0 });
  });
});

describe("coarsen", () => {
  const precise = {
    lat: "52.520008",
    lon: "13.404954",
    accuracy: "5",
    alt: "34",
    altaccuracy: "3",
    speed: "1.4",
    bearing: "90",
    street: "Unter den Linden",
    building: "77",
    floor: "3",
    room: "301",
    postalcode: "10117",
    area: "Mitte",
    locality: "Berlin",
    region: "Berlin",
    country: "Germany",
    countrycode: "DE",
    text: "at the office",
    description: "desk",
    uri: "https://example.org/me",
    timestamp: "2026-11-26T10:00:00Z",
    tzo: "+01:00",
    datum: "WGS84",
  };

  it("keeps only the grid centre, a grid-sized accuracy, the time and the country", () => {
    const c = coarsen({ ...precise, lang: "de" }, 5);
    const cell = snap(52.520008, 13.404954, 5);
    expect(c).toEqual({
      lat: cell.lat.toFixed(5),
      lon: cell.lon.toFixed(5),
      accuracy: String(cell.radiusM),
      timestamp: "2026-11-26T10:00:00Z",
      tzo: "+01:00",
      datum: "WGS84",
      country: "Germany",
      countrycode: "DE",
      lang: "de",
    });
  });

  it("is the same for the same cell, whatever the precise input", () => {
    expect(coarsen({ lat: "52.5200", lon: "13.4050" }, 5)).toEqual(coarsen({ lat: "52.5201", lon: "13.4049" }, 5));
  });

  it("keeps a larger original accuracy (never claims more precision than the publisher had)", () => {
    expect(coarsen({ lat: "1", lon: "1", accuracy: "99999" }, 1).accuracy).toBe("99999");
  });

  it("passes an empty stop-sharing payload through", () => {
    expect(coarsen({}, 5)).toEqual({});
  });
});
