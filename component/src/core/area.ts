// Areas (subscription option geo#bbox on `locations` and `presence`): the box, the one in-area check, and the index
// of publishers' current positions. Pure.
//
// The index is rbush (a dynamic R-tree): measured for 20,000 moving points (README "Areas"), an update (remove +
// insert) costs ~6 µs and a box query ~12 µs, where the static flatbush and kdbush answer in 4-5 µs but must be
// rebuilt (~5 ms) after every move, and a scan costs ~135 µs per query.
import RBush from "rbush";
import { fail, ok, type Result } from "./errors.ts";
import type { BBox, Item, PersonalNode } from "./model.ts";
import { viewFor } from "./precision.ts";

export type { BBox };

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** geo#bbox: "south,west,north,east" in decimal degrees; "" = no area. A malformed box is a bad request. */
export function parseBBox(value: string): Result<BBox | undefined> {
  if (value.trim() === "") return ok(undefined);
  const parts = value.split(",").map((p) => p.trim());
  const bad = (why: string) =>
    fail("bad-request", "invalid-options", `geo#bbox ${why}: give south,west,north,east in decimal degrees`);
  if (parts.length !== 4 || !parts.every((p) => DECIMAL.test(p))) return bad("is not four decimal numbers");
  const [south, west, north, east] = parts.map(Number);
  if (![south, north].every((v) => v >= -90 && v <= 90)) return bad("has a latitude outside [-90, 90]");
  if (![west, east].every((v) => v >= -180 && v <= 180)) return bad("has a longitude outside [-180, 180]");
  if (south > north) return bad("has south above north");
  return ok({ south, west, north, east });
}

export const formatBBox = (b: BBox | undefined): string => (b ? `${b.south},${b.west},${b.north},${b.east}` : "");

export interface Position {
  lat: number;
  lon: number;
}

/** The position of a fix (undefined: none, e.g. stopped sharing). */
export function positionOf(item: Item | undefined): Position | undefined {
  const lat = Number(item?.geoloc.lat),
    lon = Number(item?.geoloc.lon);
  return item?.geoloc.lat !== undefined && item.geoloc.lon !== undefined && Number.isFinite(lat) && Number.isFinite(lon)
    ? { lat, lon }
    : undefined;
}

/**
 * A publisher's position as `viewer` sees it (precision.ts: the exact fix, or the node's coarse cell; none after
 * share_until), so an area can never tell a coarse viewer more than its coarse fix does. The index below holds the
 * stored (exact) fixes: a query for a coarse viewer must also consider every coarse node (area-notify.ts).
 */
export function viewerPosition(node: PersonalNode, viewer: string, item: Item | undefined): Position | undefined {
  return positionOf(item && viewFor(node, viewer, item));
}

/** The one in-area check: is `p` (as the viewer sees it) inside `box`? Edges count as inside. */
export function inArea(box: BBox, p: Position | undefined): boolean {
  if (!p || p.lat < box.south || p.lat > box.north) return false;
  return box.west <= box.east ? p.lon >= box.west && p.lon <= box.east : p.lon >= box.west || p.lon <= box.east;
}

interface Entry {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  jid: string;
}

/** Publishers' current stored positions, for "who is in this box" (subscribe, area change). */
export class PositionIndex {
  private tree = new RBush<Entry>();
  private byJid = new Map<string, Entry>();

  /** the publisher's newest item now (undefined or a stop: not on the map) */
  set(jid: string, item: Item | undefined): void {
    const old = this.byJid.get(jid);
    if (old) {
      this.tree.remove(old);
      this.byJid.delete(jid);
    }
    const p = positionOf(item);
    if (!p) return;
    const e: Entry = { minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat, jid };
    this.tree.insert(e);
    this.byJid.set(jid, e);
  }

  /** publishers whose stored position is inside `box` (candidates: the caller checks as the viewer sees them) */
  within(box: BBox): string[] {
    const q = (west: number, east: number) =>
      this.tree.search({ minX: west, minY: box.south, maxX: east, maxY: box.north }).map((e) => e.jid);
    return box.west <= box.east ? q(box.west, box.east) : [...q(box.west, 180), ...q(-180, box.east)];
  }
}
