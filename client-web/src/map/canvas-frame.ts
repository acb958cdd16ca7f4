// Where the publisher canvas sits on the map, as Leaflet 1.9's L.Renderer places its own canvas (_update,
// _updateTransform), and what fills its canvases besides the picture: their size and the accuracy circles.
import L from "leaflet";
import { drawAccuracy } from "./marker.ts";
import type { Dot } from "./picture.ts";

const PADDING = 0.1; // as L.Renderer: the canvas reaches this far beyond the view on each side

/** The layer-pixel box the canvas covers: the view and PADDING of its size on each side (L.Renderer._update). */
export function coverBounds(map: L.Map): L.Bounds {
  const size = map.getSize();
  const min = map.containerPointToLayerPoint(size.multiplyBy(-PADDING)).round();
  return L.bounds(min, min.add(size.multiplyBy(1 + PADDING * 2)).round());
}

/**
 * During a zoom animation to `zoom` at `center`, where the box's corner goes and how much it is scaled, for a
 * picture drawn at `drawnCenter` and `drawnZoom` (L.Renderer._updateTransform).
 */
export function zoomTransform(
  map: L.Map,
  center: L.LatLng,
  zoom: number,
  drawnCenter: L.LatLng,
  drawnZoom: number,
): { topLeft: L.Point; scale: number } {
  const m = map as L.Map & { _getNewPixelOrigin(c: L.LatLng, z: number): L.Point };
  const scale = m.getZoomScale(zoom, drawnZoom);
  const viewHalf = m.getSize().multiplyBy(0.5 + PADDING);
  const topLeft = viewHalf
    .multiplyBy(-scale)
    .add(m.project(drawnCenter, zoom))
    .subtract(m._getNewPixelOrigin(center, zoom));
  return { topLeft, scale };
}

/** Sizes the canvases to `box` CSS pixels at `m` device pixels each, which also clears them. */
export function sizeCanvases(canvases: HTMLCanvasElement[], box: L.Point, m: number): void {
  for (const c of canvases) {
    c.width = m * box.x;
    c.height = m * box.y;
    c.style.width = `${box.x}px`;
    c.style.height = `${box.y}px`;
  }
}

/** Redraws the accuracy circles of `rings` on their canvas, whose top left is `min` in layer pixels. */
export function drawRings(canvas: HTMLCanvasElement, rings: Dot[], min: L.Point, m: number): void {
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(m, 0, 0, m, -m * min.x, -m * min.y);
  for (const d of rings) drawAccuracy(ctx, d.x, d.y, d.acc, d.look);
}
