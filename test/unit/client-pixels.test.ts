// The markers' pixel buffer (client-web/src/map/pixels.ts): straight RGBA "source over" and clipping at the edges.
import { describe, expect, it } from "vitest";
import { over, PixelBuffer, type SpritePixels } from "../../client-web/src/map/pixels.ts";

const rgba = (r: number, g: number, b: number, a: number) => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
const parts = (c: number) => [c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24];

/** A square sprite of `size` px, every pixel `colour`. */
function square(size: number, colour: number): SpritePixels {
  const n = size * size;
  return {
    size,
    dx: Int16Array.from({ length: n }, (_, i) => i % size),
    dy: Int16Array.from({ length: n }, (_, i) => Math.floor(i / size)),
    rgba: new Uint32Array(n).fill(colour),
  };
}

describe("the markers' pixel buffer", () => {
  it("blends half-transparent white over opaque black to opaque mid grey", () => {
    expect(parts(over(rgba(255, 255, 255, 128), rgba(0, 0, 0, 255)))).toEqual([128, 128, 128, 255]);
  });

  it(
    "blends two half-transparent colours as the canvas does: " + "alpha 1-(1-a)(1-b), colour weighted by what shows",
    () => {
      const [r, g, b, a] = parts(over(rgba(255, 0, 0, 128), rgba(0, 0, 255, 128)));
      expect(a).toBe(192); // 128 + 128 * (127/255) = 191.75
      expect(r).toBeGreaterThan(165);
      expect(r).toBeLessThan(175); // 128 of 192 is red: 170
      expect(b).toBeGreaterThan(80);
      expect(b).toBeLessThan(90); // 64 of 192 is blue: 85
      expect(g).toBe(0);
    },
  );

  it("copies opaque pixels and pixels over empty ones as they are", () => {
    const buf = new PixelBuffer(4, 4);
    buf.stamp(square(2, rgba(10, 20, 30, 200)), 1, 1);
    expect(parts(buf.px[1 * 4 + 1])).toEqual([10, 20, 30, 200]);
    buf.stamp(square(1, rgba(1, 2, 3, 255)), 1, 1);
    expect(parts(buf.px[5])).toEqual([1, 2, 3, 255]);
    expect(buf.px[0]).toBe(0);
  });

  it("clips a sprite that reaches past any edge and ignores one entirely outside", () => {
    const buf = new PixelBuffer(3, 3);
    buf.stamp(square(2, rgba(9, 9, 9, 255)), -1, -1); // only its bottom-right pixel lands, at (0, 0)
    buf.stamp(square(2, rgba(7, 7, 7, 255)), 2, 2); // only its top-left pixel lands, at (2, 2)
    buf.stamp(square(2, rgba(5, 5, 5, 255)), 3, 0); // right of the buffer: nothing
    expect([...buf.px].map((c) => c & 255)).toEqual([9, 0, 0, 0, 0, 0, 0, 0, 7]);
  });
});
