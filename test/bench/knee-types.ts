// Figure 10's options and the record of one step of its search (knee.ts).
import type { Figures } from "./stats.ts";

export type KneeMode = "full map" | "cities";
export interface KneeOptions {
  /** seconds of publishing per step */
  seconds: number;
  digestMs: number;
  viewers: number;
  cityViewers: number;
  /** first publisher count tried and the most connected, per mode */
  start: Record<KneeMode, number>;
  max: Record<KneeMode, number>;
  /** bisection steps after the doubling */
  bisect: number;
  /** rounds of the three settings at the knee, taking turns */
  settingsRounds: number;
}
export interface KneeContext {
  figs: Figures;
  dataDir: string;
  virtualHostExtra: string;
  o: KneeOptions;
  log: (s: string) => void;
}

/** the two designs searched: the service, and the digest pass-through on a second component domain */
export type KneeArm = "service" | "digest pass-through";

export interface Step {
  n: number;
  prosodyMsPerK: number;
  p99: number;
  p50: number;
  ok: boolean;
  perViewer: number;
  share: number;
  cpu: Record<string, number>;
  loopP99: number;
  pingP99: number;
  machine: number;
}
