// A small seeded PRNG (mulberry32) whose whole state is one uint32, so callers can keep it in plain values
// and stay pure: the same seed gives the same run.

export type RngState = number;

/** One draw: a float in [0, 1) and the next state. */
export function draw(s: RngState): [number, RngState] {
  const next = (s + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next];
}

/** A mutable view over an RngState, for use inside one pure function (read `.state` back at the end). */
export class Rng {
  constructor(public state: RngState) {}
  next(): number {
    const [v, s] = draw(this.state);
    this.state = s;
    return v;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Roughly normal (sum of three uniforms), mean 0, standard deviation ~1. */
  normal(): number {
    return (this.next() + this.next() + this.next() - 1.5) * 2;
  }
}

/** Derives independent streams from one seed (publisher i, purpose k). */
export function seedFor(seed: number, i: number, k = 0): RngState {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
