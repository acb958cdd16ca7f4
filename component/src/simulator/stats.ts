// Counters and latency percentiles for the progress line and the summary. Pure: time is passed in.
import type { ChurnKind } from "./churn.ts";

const MIN_MS = 0.01;
const PER_DECADE = 100; // ~2.3% resolution
const BUCKETS = 8 * PER_DECADE; // 0.01 ms .. 1,000 s

/** A log-bucketed latency histogram: constant memory whatever the run length. */
export class Histogram {
  private counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log10(ms / MIN_MS) * PER_DECADE));
    this.counts[i]++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The q-quantile (0..1) in ms, within one bucket's resolution; undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, MIN_MS * 10 ** ((i + 1) / PER_DECADE));
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

export interface Snapshot {
  elapsedS: number;
  online: number;
  target: number;
  publishes: number;
  failed: number;
  errors: number;
  ratePerS: number;
  p50?: number;
  p99?: number;
}

export class Stats {
  online = 0;
  publishes = 0; // acknowledged with a result
  failed = 0; // error reply or timeout
  errors = 0; // connection and login failures
  connects = 0;
  skipped = 0; // ticks without a publish because the previous one was still unacknowledged
  readonly churn: Record<ChurnKind, number> = { drop: 0, logout: 0, away: 0, "stop-sharing": 0 };
  readonly errorKinds = new Map<string, number>();
  readonly total = new Histogram();
  private window = new Histogram();
  private windowStart: number;
  private windowPublishes = 0;

  constructor(
    readonly startMs: number,
    readonly target: number,
  ) {
    this.windowStart = startMs;
  }

  ack(latencyMs: number): void {
    this.publishes++;
    this.windowPublishes++;
    this.total.record(latencyMs);
    this.window.record(latencyMs);
  }

  fail(kind: string): void {
    this.failed++;
    this.count(kind);
  }

  error(kind: string): void {
    this.errors++;
    this.count(kind);
  }

  private count(kind: string): void {
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }

  /** The numbers since the last window() call, then starts a new window. */
  takeWindow(nowMs: number): Snapshot {
    const s: Snapshot = {
      elapsedS: (nowMs - this.startMs) / 1000,
      online: this.online,
      target: this.target,
      publishes: this.publishes,
      failed: this.failed,
      errors: this.errors,
      ratePerS: this.windowPublishes / Math.max(0.001, (nowMs - this.windowStart) / 1000),
      p50: this.window.quantile(0.5),
      p99: this.window.quantile(0.99),
    };
    this.window.reset();
    this.windowPublishes = 0;
    this.windowStart = nowMs;
    return s;
  }

  /** Most publishes failed (or none were attempted): the run did not do its job. */
  failedRun(): boolean {
    const attempted = this.publishes + this.failed;
    return attempted === 0 || this.failed * 2 > attempted;
  }
}

const ms = (v: number | undefined) => (v === undefined ? "-" : v < 10 ? `${v.toFixed(2)}ms` : `${Math.round(v)}ms`);

export function progressLine(s: Snapshot): string {
  return (
    `[${s.elapsedS.toFixed(0).padStart(4)}s] online ${s.online}/${s.target}  publishes/s ${s.ratePerS.toFixed(0)}  ` +
    `ok ${s.publishes}  failed ${s.failed}  errors ${s.errors}  ack p50 ${ms(s.p50)} p99 ${ms(s.p99)}`
  );
}

export function summary(st: Stats, nowMs: number, cpuS: number): string {
  const wallS = (nowMs - st.startMs) / 1000;
  const lines = [
    `summary: ${wallS.toFixed(1)} s, ${st.target} publishers, ${st.connects} logins`,
    `  publishes acknowledged ${st.publishes} (${(st.publishes / Math.max(wallS, 0.001)).toFixed(1)}/s), ` +
      `failed ${st.failed}, skipped ${st.skipped}, connection errors ${st.errors}`,
    `  ack latency p50 ${ms(st.total.quantile(0.5))}  p90 ${ms(st.total.quantile(0.9))}  ` +
      `p99 ${ms(st.total.quantile(0.99))}  max ${ms(st.total.max || undefined)}`,
    `  churn: ${Object.entries(st.churn)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `  simulator CPU ${cpuS.toFixed(1)} s = ${((cpuS / Math.max(wallS, 0.001)) * 100).toFixed(1)}% of one core`,
  ];
  if (st.errorKinds.size > 0) {
    lines.push(`  problems: ${[...st.errorKinds].map(([k, v]) => `${k} x${v}`).join(", ")}`);
  }
  return lines.join("\n");
}
