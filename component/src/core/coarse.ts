// Coarse sharing (XEP-0080 §8 "Security Considerations": a publisher may share a less precise location).
// The position is snapped to the centre of a fixed grid cell of about N km, the same for every viewer and every
// replay, so that collecting many copies cannot average the noise away (random noise could be). Pure.
import type { Geoloc, GeolocField } from "./geoloc.ts";

/** Mean Earth radius (IUGG), km; one degree of latitude is ~111.195 km. */
const KM_PER_DEGREE = (2 * Math.PI * 6371.0088) / 360;

/**
 * Fields kept in a coarse fix. Dropped: alt/altaccuracy, speed, bearing (a heading and speed let a viewer
 * dead-reckon inside the cell), street, building, floor, room, postalcode, area, locality, region (names can be far
 * more precise than the grid and cannot be coarsened), text, description, uri (free text can say anything),
 * error (replaced by accuracy). Kept: what the grid itself implies, the time, and the country.
 */
export const COARSE_KEEP: readonly GeolocField[] = [
  "lat",
  "lon",
  "accuracy",
  "timestamp",
  "tzo",
  "datum",
  "country",
  "countrycode",
];

export interface Cell {
  lat: number;
  lon: number;
  /** metres from the centre to a corner: the accuracy a coarse fix carries */
  radiusM: number;
}

/**
 * The centre of the grid cell holding (lat, lon). Rows are bands of equal latitude height (180° split into a whole
 * number of rows of about `km`); each row is split into a whole number of equal columns of at least `km` at the
 * row's centre latitude, so columns tile 360° exactly (no seam at the antimeridian) and a polar row is one cell.
 */
export function snap(lat: number, lon: number, km: number): Cell {
  const rows = Math.max(1, Math.round((180 * KM_PER_DEGREE) / km));
  const dLat = 180 / rows;
  const row = Math.min(rows - 1, Math.max(0, Math.floor((lat + 90) / dLat)));
  const cLat = -90 + (row + 0.5) * dLat;
  const circumference = 360 * KM_PER_DEGREE * Math.cos((cLat * Math.PI) / 180);
  const cols = Math.max(1, Math.floor(circumference / km));
  const dLon = 360 / cols;
  const col = ((Math.floor((lon + 180) / dLon) % cols) + cols) % cols; // lon = 180 is lon = -180
  const cLon = -180 + (col + 0.5) * dLon;
  const hM = (dLat * KM_PER_DEGREE * 1000) / 2;
  const wM = (circumference * 1000) / cols / 2;
  return { lat: cLat, lon: cLon, radiusM: Math.ceil(Math.hypot(hM, wM)) };
}

/** Five decimals (~1 m): more than the grid needs, and the same text for the same cell. */
const fmt = (x: number) => {
  const s = x.toFixed(5);
  return s === "-0.00000" ? "0.00000" : s;
};

/** The coarse version of a validated fix: grid centre, grid-sized accuracy, precise fields dropped. */
export function coarsen(g: Geoloc, km: number): Geoloc {
  const out: Geoloc = {};
  for (const f of COARSE_KEEP) if (g[f] !== undefined) out[f] = g[f];
  if (g.lang !== undefined) out.lang = g.lang;
  if (g.lat === undefined || g.lon === undefined) {
    delete out.accuracy; // no position: nothing to be accurate about (e.g. an empty "stopped sharing" payload)
    return out;
  }
  const cell = snap(Number(g.lat), Number(g.lon), km);
  out.lat = fmt(cell.lat);
  out.lon = fmt(cell.lon);
  out.accuracy = String(Math.max(cell.radiusM, Math.ceil(Number(g.accuracy ?? 0))));
  return out;
}

/**
 * The node configuration field (XEP-0060 §8.2) and meta-data field (§5.4). Not a registered pubsub# field, so it is
 * namespaced as XEP-0068 §3 asks for fields of a FORM_TYPE that are not registered.
 */
export const COARSE_FIELD = "geo#coarse_km";

/** Smallest and largest grid a node may configure, km. */
export const COARSE_LIMITS = { min: 0.1, max: 5000 };

/** jid-multi node configuration field: who sees the exact fix when the node shares coarsely. */
export const EXACT_FIELD = "geo#exact";

/** How many JIDs `geo#exact` may hold. */
export const EXACT_LIMIT = 1000;

/** text-single node configuration field, an XEP-0082 DateTime or empty: when sharing ends by itself. */
export const SHARE_UNTIL_FIELD = "geo#share_until";
