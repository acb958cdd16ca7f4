// A publisher's recent positions (its node's history plus what arrived live), oldest first. Pure.
import { toFix, type Fix, type ModelEvent } from "./publisher.ts";

export const TRAIL_LENGTH = 50;

/** Merges fixes into a trail: one point per item id, ordered by fix time, the newest `max` kept. */
export function mergeTrail(trail: readonly Fix[], fixes: readonly Fix[], max = TRAIL_LENGTH): Fix[] {
  const byId = new Map<string, Fix>();
  for (const f of trail) byId.set(f.itemId, f);
  for (const f of fixes) byId.set(f.itemId, f);
  const all = [...byId.values()].sort((a, b) => a.time - b.time);
  return all.slice(Math.max(0, all.length - max));
}

/** The fixes in the items of a publisher's own node (its history), for the trail. */
export function trailFixes(events: readonly ModelEvent[], now: number): Fix[] {
  const out: Fix[] = [];
  for (const e of events) {
    if (e.kind !== "location") continue;
    const f = toFix(e.itemId, e.geoloc, e.stamp ?? now);
    if (f) out.push(f);
  }
  return out;
}
