import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  createMover,
  step,
  toGeoloc,
  position,
  turnBetween,
  MODES,
  type Mode,
} from "../../component/src/simulator/movement.ts";
import { CITIES } from "../../component/src/simulator/places.ts";
import { seedFor, draw } from "../../component/src/simulator/random.ts";
import { validateGeoloc, isStop } from "../../component/src/core/geoloc.ts";
import { geolocElement, geolocEntries } from "../../component/src/protocol/geoloc.ts";

const berlin = CITIES.berlin;
const T0 = Date.parse("2026-11-26T10:00:00Z");

function run(seed: number, steps: number, dt = 1, mode?: Mode) {
  let m = createMover(seed, berlin, mode);
  const track = [m];
  for (let i = 0; i < steps; i++) track.push((m = step(m, dt, berlin)));
  return track;
}

const metres = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);

describe("the PRNG", () => {
  it("gives the same sequence for the same seed and different ones for different seeds", () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)[0]).not.toEqual(draw(43)[0]);
    expect(seedFor(1, 0)).not.toEqual(seedFor(1, 1));
    expect(seedFor(1, 0, 0)).not.toEqual(seedFor(1, 0, 1));
  });

  it("draws floats in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (s) => {
        const [v] = draw(s);
        return v >= 0 && v < 1;
      }),
    );
  });
});

describe("the movement model", () => {
  it("is deterministic: the same seed gives the same track", () => {
    expect(run(7, 300)).toEqual(run(7, 300));
    expect(run(7, 300).at(-1)).not.toEqual(run(8, 300).at(-1));
  });

  it("does not mutate the mover it is given", () => {
    const m = createMover(3, berlin);
    const copy = { ...m };
    step(m, 5, berlin);
    expect(m).toEqual(copy);
  });

  it("mixes walkers, cyclists and vehicles", () => {
    const modes = new Map<Mode, number>();
    for (let i = 0; i < 1000; i++) {
      const m = createMover(seedFor(1, i), berlin).mode;
      modes.set(m, (modes.get(m) ?? 0) + 1);
    }
    expect(modes.get("walker")).toBeGreaterThan(400);
    expect(modes.get("cyclist")).toBeGreaterThan(180);
    expect(modes.get("vehicle")).toBeGreaterThan(180);
  });

  it("moves smoothly: bounded speed, acceleration and turn rate for every mode", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.constantFrom<Mode>("walker", "cyclist", "vehicle"),
        (seed, mode) => {
          const spec = MODES[mode];
          const track = run(seed, 200, 1, mode);
          for (let i = 1; i < track.length; i++) {
            const [a, b] = [track[i - 1], track[i]];
            expect(b.speed).toBeLessThanOrEqual(spec.cruise[1] * 1.3);
            expect(Math.abs(b.speed - a.speed)).toBeLessThanOrEqual(spec.accel + 1e-9);
            expect(Math.abs(turnBetween(a.heading, b.heading))).toBeLessThanOrEqual(spec.turnRate + 1e-9);
            expect(metres(a, b)).toBeLessThanOrEqual(spec.cruise[1] * 1.3 + 1e-9);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("actually travels (not stuck in one place)", () => {
    const track = run(11, 600, 1, "cyclist");
    expect(metres(track[0], track.at(-1)!) + metres(track[0], track[300])).toBeGreaterThan(100);
  });

  it("stays near its area over a long run", () => {
    for (let s = 0; s < 20; s++) {
      const track = run(seedFor(5, s), 3600, 1);
      const far = Math.max(...track.map((m) => Math.hypot(m.x, m.y)));
      expect(far).toBeLessThan(berlin.radiusM + 1500);
    }
  });

  it("keeps vehicles on a street grid once they have finished turning", () => {
    const track = run(21, 1000, 1, "vehicle");
    for (const m of track) expect(m.targetHeading % 90).toBeCloseTo(0, 6);
  });

  it("gives the same position for one long step as for sub-steps of one second", () => {
    const m = createMover(9, berlin);
    let n = m;
    for (let i = 0; i < 5; i++) n = step(n, 1, berlin);
    expect(step(m, 5, berlin)).toEqual(n);
  });
});

describe("fixes", () => {
  it("are valid XEP-0080 payloads, with every field the map uses", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 600 }), (seed, steps) => {
        let m = createMover(seed, berlin);
        m = step(m, steps, berlin);
        const g = toGeoloc(m, berlin, T0, 1);
        const parsed = validateGeoloc(geolocEntries(geolocElement(g)), T0);
        expect(parsed).toEqual({ ok: true, geoloc: g });
        for (const f of ["lat", "lon", "accuracy", "speed", "bearing", "timestamp", "text", "locality"] as const)
          expect(g[f]).toBeDefined();
        expect(isStop(g)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("carry the position of the mover and the time given", () => {
    const m = step(createMover(4, berlin), 30, berlin);
    const g = toGeoloc(m, berlin, T0);
    const p = position(m, berlin);
    expect(Number(g.lat)).toBeCloseTo(p.lat, 6);
    expect(Number(g.lon)).toBeCloseTo(p.lon, 6);
    expect(g.timestamp).toBe("2026-11-26T10:00:00.000Z");
    expect(Math.abs(p.lat - berlin.lat)).toBeLessThan(0.1);
  });

  it("now and then carry a non-ASCII note and locality", () => {
    let m = createMover(1, berlin);
    let notes = 0;
    let nonAscii = 0;
    for (let i = 0; i < 2000; i++) {
      m = step(m, 1, berlin);
      const g = toGeoloc(m, berlin, T0, 0.05);
      if (g.text) {
        notes++;
        expect(berlin.localities).toContain(g.locality);
        if (/[^\x00-\x7f]/.test(g.text + g.locality)) nonAscii++;
      }
    }
    expect(notes).toBeGreaterThan(50);
    expect(notes).toBeLessThan(200);
    expect(nonAscii).toBeGreaterThan(10);
  });

  it("never carry a note when the chance is 0", () => {
    let m = createMover(1, berlin);
    for (let i = 0; i < 200; i++) {
      m = step(m, 1, berlin);
      expect(toGeoloc(m, berlin, T0, 0).text).toBeUndefined();
    }
  });
});
