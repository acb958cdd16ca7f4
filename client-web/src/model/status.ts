// What a viewer is told about a publisher: status in words, fix age, staleness. Pure: `now` is passed in.
import type { PublisherState } from "./publisher.ts";

/** online / away (away, xa, dnd) / offline / unknown (no presence item: component/PROTOCOL.md). */
export type Status = "online" | "away" | "offline" | "unknown";

export interface StatusView {
  status: Status;
  /** e.g. "online", "away", "do not disturb", "offline, last seen 5 min ago", "presence unknown" */
  text: string;
  /** the last fix is older than the stale threshold */
  stale: boolean;
  /** ms since the last fix (0 when the publisher's clock runs ahead), undefined without a fix */
  fixAge?: number;
}

export const DEFAULT_STALE_AFTER_MS = 120_000;

const SHOW_WORDS: Record<string, string> = {
  chat: "free to chat",
  away: "away",
  xa: "away for a while",
  dnd: "do not disturb",
};

/** "just now", "42 s", "5 min", "3 h 20 min", "2 d" */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "42 s ago", or "just now" */
export function ago(ms: number): string {
  const a = formatAge(ms);
  return a === "just now" ? a : `${a} ago`;
}

export function deriveStatus(p: PublisherState, now: number, staleAfterMs = DEFAULT_STALE_AFTER_MS): StatusView {
  const fixAge = p.fix ? Math.max(0, now - p.fix.time) : undefined;
  const stale = fixAge !== undefined && fixAge > staleAfterMs;
  const pr = p.presence;
  if (!pr) return { status: "unknown", text: "presence unknown", stale, fixAge };
  if (!pr.online) {
    const text = pr.since > 0 ? `offline, last seen ${ago(now - pr.since)}` : "offline";
    return { status: "offline", text, stale, fixAge };
  }
  if (pr.show === "away" || pr.show === "xa" || pr.show === "dnd")
    return { status: "away", text: SHOW_WORDS[pr.show], stale, fixAge };
  return { status: "online", text: pr.show ? SHOW_WORDS[pr.show] : "online", stale, fixAge };
}

/** m/s (XEP-0080 <speed/>) in words: "12 km/h". */
export function formatSpeed(mps: number | undefined): string {
  if (mps === undefined) return "";
  const kmh = mps * 3.6;
  return `${kmh < 10 ? kmh.toFixed(1) : Math.round(kmh)} km/h`;
}
