// Where things are on the map: the padded view as an area, the view that frames the markers, a map point on the page.
import L from "leaflet";
import type { MarkerInfo } from "./markers.ts";

export interface Area {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** The view padded by half its size on each side, as the area to subscribe to (geo#bbox). */
export function paddedArea(map: L.Map): Area {
  const b = map.getBounds().pad(0.5);
  return { south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast() };
}

/** Frames every marker on the map (none: the view stays). */
export function fitMarkers(map: L.Map, markers: MarkerInfo[]): void {
  const pts = markers.filter((m) => m.onMap).map((m) => L.latLng(m.lat, m.lon));
  if (pts.length) map.fitBounds(L.latLngBounds(pts), { padding: [40, 40], maxZoom: 13, animate: false });
}

/** Where a point of the map is on the page, in CSS pixels. */
export function pagePoint(map: L.Map, at: L.LatLngExpression): { x: number; y: number } {
  const p = map.latLngToContainerPoint(at);
  const box = map.getContainer().getBoundingClientRect();
  return { x: box.left + p.x, y: box.top + p.y };
}
