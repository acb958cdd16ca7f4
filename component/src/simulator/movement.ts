// The movement model: pure and deterministic. A mover is a plain value (its PRNG state included);
// step() returns the next value, toGeoloc() turns one into an XEP-0080 fix. No clock, no I/O.
import type { Geoloc } from "../core/geoloc.ts";
import { NOTES, type Area } from "./places.ts";
import { Rng, draw, type RngState } from "./random.ts";

export type Mode = "walker" | "cyclist" | "vehicle";

export interface Mover {
  mode: Mode;
  /** metres east / north of the area centre */
  x: number;
  y: number;
  /** degrees clockwise from north, [0, 360) */
  heading: number;
  /** m/s */
  speed: number;
  targetHeading: number;
  /** preferred speed of this person or vehicle, m/s */
  cruise: number;
  /** metres left on the current leg before the next turn decision */
  legM: number;
  /** seconds left standing still (traffic light, shop window) */
  pauseS: number;
  rng: RngState;
}

interface ModeSpec {
  share: number;
  cruise: [number, number];
  accel: number; // m/s²
  turnRate: number; // degrees/s
  wander: number; // degrees/s of random heading drift
  leg: [number, number];
  pauseChance: number;
  pause: [number, number];
  accuracy: [number, number];
  /** vehicles follow a street grid: turns are 0 / ±90 degrees */
  grid: boolean;
}

export const MODES: Record<Mode, ModeSpec> = {
  walker: {
    share: 0.5,
    cruise: [1.1, 1.7],
    accel: 0.8,
    turnRate: 90,
    wander: 8,
    leg: [30, 150],
    pauseChance: 0.2,
    pause: [5, 40],
    accuracy: [4, 15],
    grid: false,
  },
  cyclist: {
    share: 0.25,
    cruise: [3.5, 6.5],
    accel: 1,
    turnRate: 40,
    wander: 3,
    leg: [100, 400],
    pauseChance: 0.1,
    pause: [5, 30],
    accuracy: [3, 10],
    grid: false,
  },
  vehicle: {
    share: 0.25,
    cruise: [7, 14],
    accel: 2,
    turnRate: 30,
    wander: 0,
    leg: [80, 400],
    pauseChance: 0.3,
    pause: [5, 45],
    accuracy: [3, 8],
    grid: true,
  },
};

const M_PER_DEG = 111_320;
const RAD = Math.PI / 180;

export const norm360 = (d: number): number => ((d % 360) + 360) % 360;
/** Signed smallest rotation from a to b, in (-180, 180]. */
export const turnBetween = (a: number, b: number): number => {
  const d = norm360(b - a);
  return d > 180 ? d - 360 : d;
};

function pickMode(u: number): Mode {
  if (u < MODES.walker.share) return "walker";
  return u < MODES.walker.share + MODES.cyclist.share ? "cyclist" : "vehicle";
}

/** A new mover somewhere inside the area (uniform over the disc), heading off on its first leg. */
export function createMover(seed: RngState, area: Area, mode?: Mode): Mover {
  const r = new Rng(seed);
  const m = mode ?? pickMode(r.next());
  const spec = MODES[m];
  const dist = area.radiusM * Math.sqrt(r.next());
  const angle = r.range(0, 360);
  const heading = spec.grid ? r.int(4) * 90 : r.range(0, 360);
  return {
    mode: m,
    x: dist * Math.sin(angle * RAD),
    y: dist * Math.cos(angle * RAD),
    heading,
    targetHeading: heading,
    speed: 0,
    cruise: r.range(...spec.cruise),
    legM: r.range(...spec.leg),
    pauseS: 0,
    rng: r.state,
  };
}

/** Advances a mover by dtS seconds (sub-stepped at 1 s so long intervals stay smooth). */
export function step(mover: Mover, dtS: number, area: Area): Mover {
  const m = { ...mover };
  const r = new Rng(m.rng);
  let left = Math.max(0, dtS);
  while (left > 1e-9) {
    const dt = Math.min(1, left);
    subStep(m, dt, area, r);
    left -= dt;
  }
  m.rng = r.state;
  return m;
}

function subStep(m: Mover, dt: number, area: Area, r: Rng): void {
  const spec = MODES[m.mode];
  const paused = m.pauseS > 0;
  if (paused) m.pauseS = Math.max(0, m.pauseS - dt);
  // speed: ease towards the goal, never jump (acceleration is bounded)
  const goal = paused ? 0 : m.cruise * (1 + 0.05 * r.normal());
  const dv = Math.max(-spec.accel * dt, Math.min(spec.accel * dt, goal - m.speed));
  m.speed = Math.max(0, m.speed + dv);
  // heading: drift a little, steer home when outside the area, turn at a bounded rate
  if (spec.wander > 0) m.targetHeading = norm360(m.targetHeading + spec.wander * r.normal() * dt);
  const dist = Math.hypot(m.x, m.y);
  if (dist > area.radiusM) {
    const home = norm360(Math.atan2(-m.x, -m.y) / RAD);
    if (Math.abs(turnBetween(m.targetHeading, home)) > 60) {
      m.targetHeading = spec.grid ? norm360(Math.round(home / 90) * 90) : norm360(home + r.range(-30, 30));
    }
  }
  const turn = turnBetween(m.heading, m.targetHeading);
  const maxTurn = spec.turnRate * dt;
  m.heading = norm360(m.heading + Math.max(-maxTurn, Math.min(maxTurn, turn)));
  // move
  m.x += m.speed * Math.sin(m.heading * RAD) * dt;
  m.y += m.speed * Math.cos(m.heading * RAD) * dt;
  m.legM -= m.speed * dt;
  if (m.legM <= 0) newLeg(m, r);
}

function newLeg(m: Mover, r: Rng): void {
  const spec = MODES[m.mode];
  m.legM = r.range(...spec.leg);
  if (spec.grid) {
    const u = r.next(); // a street grid: straight on, left or right
    const base = norm360(Math.round(m.targetHeading / 90) * 90);
    m.targetHeading = u < 0.5 ? base : norm360(base + (u < 0.75 ? 90 : -90));
  } else {
    m.targetHeading = norm360(m.targetHeading + (r.chance(0.5) ? 1 : -1) * r.range(10, 90));
  }
  if (r.chance(spec.pauseChance)) m.pauseS = r.range(...spec.pause);
}

/** Latitude/longitude of a mover (local equirectangular projection: fine within a city). */
export function position(m: Mover, area: Area): { lat: number; lon: number } {
  const lat = Math.max(-90, Math.min(90, area.lat + m.y / M_PER_DEG));
  const cos = Math.max(0.01, Math.cos(area.lat * RAD));
  const lon = norm360(area.lon + m.x / (M_PER_DEG * cos) + 180) - 180;
  return { lat, lon };
}

/**
 * The XEP-0080 fix a device would report now. `noteChance` is how often it carries a `text` note and a
 * `locality` (non-ASCII on purpose). Deterministic: the extra randomness is derived from the mover's state.
 */
export function toGeoloc(m: Mover, area: Area, nowMs: number, noteChance = 0.05): Geoloc {
  const spec = MODES[m.mode];
  const [u1, s1] = draw(m.rng ^ 0x5bd1e995);
  const [u2, s2] = draw(s1);
  const [u3, s3] = draw(s2);
  const [u4] = draw(s3);
  const { lat, lon } = position(m, area);
  const bearing = Math.round(m.heading) % 360;
  const g: Geoloc = {
    accuracy: String(Math.round(spec.accuracy[0] + (spec.accuracy[1] - spec.accuracy[0]) * u1)),
    bearing: String(bearing),
    lat: lat.toFixed(6),
    lon: lon.toFixed(6),
    speed: m.speed.toFixed(1),
    timestamp: new Date(nowMs).toISOString(),
  };
  if (u2 < noteChance) {
    const notes = NOTES[m.mode];
    g.text = notes[Math.floor(u3 * notes.length)];
    if (area.localities.length > 0) g.locality = area.localities[Math.floor(u4 * area.localities.length)];
  }
  return g;
}
