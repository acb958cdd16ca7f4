// The pure part of the publisher canvas (publisher-canvas.ts): what a dot is, drawing a share of a picture into the
// pixel buffer, and which dot is under the pointer. No DOM, no Leaflet layer state: values in, pixels out.
import type L from "leaflet";
import { radius, SPRITE_REACH, type MarkerLook, type Sprite } from "./marker.ts";
import type { PixelBuffer } from "./pixels.ts";

/** One publisher as drawn. The layer projects it; whoever owns it sets lat, lon and look, then calls `changed`. */
export interface Dot {
  readonly jid: string;
  lat: number;
  lon: number;
  look: MarkerLook;
  /** drawn by this layer now (or in the picture being drawn) */
  onMap: boolean;
  /** on the map but drawn as part of a cluster (clusters.ts), not as a dot; the selected one is drawn anyway */
  clustered?: boolean;
  sprite?: Sprite;
  /** layer pixel position and accuracy radius at the current zoom */
  x: number;
  y: number;
  acc: number;
}

/** A picture being put together: the dots in drawing order and how far it got. */
export interface Pass {
  dots: Dot[];
  i: number;
}

const TOLERANCE_PX = 3; // how far beside a dot a click or hover still counts
const CHUNK = 64; // dots drawn between two looks at the clock

/** Is the dot, with `reach` pixels around it, inside the canvas' bounds? */
export function inView(b: L.Bounds, d: Dot, reach: number): boolean {
  return d.x + reach >= b.min!.x && d.x - reach <= b.max!.x && d.y + reach >= b.min!.y && d.y - reach <= b.max!.y;
}

/**
 * Stamps dots of the pass into `buffer` for at most `budgetMs` (`m`: device pixels per CSS pixel); true when the pass
 * is complete. A dot hidden since the pass began is skipped; one moved since is drawn where it is now (each dot once
 * per picture), at whole CSS pixels, as a drawImage at a rounded position would.
 */
export function drawSome(
  pass: Pass,
  buffer: PixelBuffer,
  bounds: L.Bounds,
  m: number,
  drawn: (d: Dot) => boolean,
  budgetMs: number,
): boolean {
  const t0 = performance.now();
  const { dots } = pass;
  const min = bounds.min!;
  while (pass.i < dots.length) {
    const end = Math.min(dots.length, pass.i + CHUNK);
    for (let i = pass.i; i < end; i++) {
      const d = dots[i];
      const s = d.sprite;
      if (s && drawn(d) && inView(bounds, d, SPRITE_REACH))
        buffer.stamp(s.pixels, m * (Math.round(d.x - s.half) - min.x), m * (Math.round(d.y - s.half) - min.y));
    }
    pass.i = end;
    if (performance.now() - t0 >= budgetMs) break;
  }
  return pass.i >= dots.length;
}

/** The dot under layer point `p`: the selected one (`top`) first, then the one drawn last (topmost). */
export function hitDot(
  shown: Iterable<Dot>,
  top: Dot | undefined,
  p: L.Point,
  drawn: (d: Dot) => boolean,
): Dot | undefined {
  const near = (d: Dot) => {
    const r = radius(d.look) + TOLERANCE_PX;
    return (d.x - p.x) ** 2 + (d.y - p.y) ** 2 <= r * r;
  };
  if (top?.onMap && near(top)) return top;
  let found: Dot | undefined;
  for (const d of shown) if (drawn(d) && near(d)) found = d;
  return found;
}
