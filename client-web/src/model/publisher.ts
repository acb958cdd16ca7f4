// The map's state for one publisher and the pure reducer that applies one event to it.
// Keyed by the publisher's bare JID (the `publisher` attribute the service stamps on every item).
// Ordering rule (component/PROTOCOL.md, "newest wins"): a fix older than the newest one already applied never
// replaces it, whether it comes live or from a snapshot, so a reconnect or a late items result cannot move a marker
// backwards.
import { isStop, parseDateTime, type Geoloc } from "../../../component/src/core/geoloc.ts";
import type { PublisherPresence } from "../../../component/src/core/presence.ts";

/** A position the map can draw: the geoloc as sent plus the numbers it needs. */
export interface Fix {
  itemId: string;
  geoloc: Geoloc;
  lat: number;
  lon: number;
  /** epoch ms of the fix (XEP-0080 <timestamp/>, which the service always fills) */
  time: number;
  accuracy?: number;
  bearing?: number;
  speed?: number;
}

export interface PublisherState {
  jid: string;
  /** What the map shows; undefined = not on the map (no position yet, stopped sharing, retracted). */
  fix?: Fix;
  /** Time of the newest fix ever applied, also after a stop: nothing older may come back. */
  newest: number;
  /** Stopped sharing (empty <geoloc/>) after the fix at `newest`. */
  stopped: boolean;
  /** undefined = unknown (no item on node `presence`) */
  presence?: PublisherPresence;
  /** The connection session that last heard of this publisher (see `missingFromSnapshot`). */
  session: number;
}

/** Everything the xmpp layer reports, already parsed; `live` = a notification, otherwise a snapshot/items result. */
export type ModelEvent =
  | { kind: "location"; jid: string; itemId: string; geoloc: Geoloc; live: boolean; session: number; stamp?: number }
  | { kind: "presence"; presence: PublisherPresence; live: boolean; session: number }
  | { kind: "presence-retracted"; jid: string; session: number }
  | { kind: "retract"; jid: string; itemId: string; session: number }
  | { kind: "deleted"; jid: string; session: number };

export function emptyPublisher(jid: string, session = 0): PublisherState {
  return { jid, newest: -Infinity, stopped: false, session };
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * The drawable fix in a geoloc, or undefined when it has no lat/lon. `fallbackTime` stands in for a missing
 * timestamp.
 */
export function toFix(itemId: string, geoloc: Geoloc, fallbackTime: number): Fix | undefined {
  const lat = num(geoloc.lat),
    lon = num(geoloc.lon);
  if (lat === undefined || lon === undefined) return undefined;
  const time = (geoloc.timestamp !== undefined ? parseDateTime(geoloc.timestamp) : undefined) ?? fallbackTime;
  return {
    itemId,
    geoloc,
    lat,
    lon,
    time,
    accuracy: num(geoloc.accuracy ?? geoloc.error),
    bearing: num(geoloc.bearing),
    speed: num(geoloc.speed),
  };
}

/**
 * Applies one event to one publisher. Returns the new state, or `undefined` when the publisher is gone.
 * `fix` and `presence` keep their identity when they do not change (the store redraws on identity changes).
 * `now` is only a fallback clock for a fix without a timestamp.
 */
export function reduce(prev: PublisherState | undefined, ev: ModelEvent, now: number): PublisherState | undefined {
  const jid = ev.kind === "presence" ? ev.presence.jid : ev.jid;
  const p = prev ?? emptyPublisher(jid);
  switch (ev.kind) {
    case "location": {
      // Being listed counts as being heard of in this session, even when nothing else changes.
      const q = p.session >= ev.session ? p : { ...p, session: ev.session };
      if (isStop(ev.geoloc)) {
        // XEP-0080 §4.1: stopped sharing. Live: the service ordered it after everything we have.
        // Replayed: only if it is not older than the fix we show.
        if (!ev.live && ev.stamp !== undefined && p.fix && ev.stamp < p.fix.time) return q;
        if (!p.fix && p.stopped) return q;
        return { ...q, fix: undefined, stopped: true };
      }
      const fix = toFix(ev.itemId, ev.geoloc, ev.stamp ?? now);
      if (!fix) return prev ? q : undefined; // a text-only location: nothing to draw
      if (fix.time < p.newest) return q; // older than what we have: never jump backwards
      if (fix.time === p.newest && (p.stopped || p.fix?.itemId === fix.itemId)) return q; // a replay of what we know
      return { ...q, fix, newest: fix.time, stopped: false };
    }
    case "presence": {
      const cur = p.presence;
      if (cur && ev.presence.since < cur.since) return p; // an older presence (e.g. a snapshot racing a notification)
      if (cur && cur.since === ev.presence.since && cur.online === ev.presence.online && cur.show === ev.presence.show)
        return p;
      // Only live presence counts as "heard of in this session": a presence snapshot does not say the
      // publisher's location is still visible.
      return { ...p, presence: ev.presence, session: ev.live ? Math.max(p.session, ev.session) : p.session };
    }
    case "presence-retracted":
      return prev && p.presence ? { ...p, presence: undefined } : prev;
    case "retract":
      // The current item was withdrawn: the marker goes; an older item would need a query, which the map skips.
      return prev && p.fix?.itemId === ev.itemId ? { ...p, fix: undefined } : prev;
    case "deleted":
      return undefined; // the node is gone: so is the publisher, as far as this viewer can tell
  }
}

/**
 * After a fresh `locations` snapshot in session `session`: which known publishers it no longer lists. They were
 * deleted, or this viewer lost access, while the connection was down, so they go; unless this session has already
 * heard of them live (a notification that raced ahead of the snapshot is newer than the snapshot).
 */
export function missingFromSnapshot(
  known: Iterable<PublisherState>,
  listed: ReadonlySet<string>,
  session: number,
): string[] {
  const gone: string[] = [];
  for (const p of known) if (!listed.has(p.jid) && p.session < session) gone.push(p.jid);
  return gone;
}

/** On the map (and in the list): has a position to draw. */
export function isVisible(p: PublisherState): boolean {
  return p.fix !== undefined;
}
