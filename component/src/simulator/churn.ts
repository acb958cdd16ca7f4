// Churn decisions: pure and seeded. Once per update a publisher asks whether something happens to it now.

import { Rng, type RngState } from "./random.ts";

/**
 * - drop: the connection dies abruptly (no unavailable, no stream close)
 * - logout: a clean logout (unavailable, then the stream closes)
 * - away: presence <show>away</show>, publishing goes on
 * - stop-sharing: an empty <geoloc/> (XEP-0080 §4.1), publishing pauses
 * Each one is undone after `downS` seconds (reconnect, available again, sharing again).
 */
export type ChurnKind = "drop" | "logout" | "away" | "stop-sharing";
export const CHURN_KINDS: readonly ChurnKind[] = ["drop", "logout", "away", "stop-sharing"];

const WEIGHTS: Record<ChurnKind, number> = { drop: 0.3, logout: 0.25, away: 0.25, "stop-sharing": 0.2 };

export interface ChurnEvent {
  kind: ChurnKind;
  downS: number;
}

/**
 * Whether a churn event starts during the next `dtS` seconds, for a publisher that has `ratePerMin` events per
 * minute on average (a Poisson process), with a mean time away of `meanDownS` seconds.
 */
export function nextChurn(
  state: RngState,
  ratePerMin: number,
  dtS: number,
  meanDownS: number,
): [ChurnEvent | undefined, RngState] {
  const r = new Rng(state);
  if (ratePerMin <= 0) return [undefined, r.state];
  const p = 1 - Math.exp((-ratePerMin * dtS) / 60);
  if (!r.chance(p)) return [undefined, r.state];
  let u = r.next();
  let kind: ChurnKind = "drop";
  for (const k of CHURN_KINDS) {
    kind = k;
    if ((u -= WEIGHTS[k]) < 0) break;
  }
  const downS = Math.max(1, meanDownS * r.range(0.5, 1.5));
  return [{ kind, downS }, r.state];
}
