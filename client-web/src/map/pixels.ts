// Copies marker sprites into one RGBA pixel buffer in plain JavaScript, shown with a single putImageData.
// Why not drawImage: on Chromium's software canvas (no GPU, as on these machines and many office PCs) each
// drawImage call costs a few microseconds however small the image, so 5,000 markers took 15-30 ms per picture;
// copying their ~200 visible pixels each takes a fraction of that.
// Pixels are straight (not premultiplied) RGBA, as ImageData holds them, one uint32 per pixel (little-endian:
// 0xAABBGGRR). Blending is "source over".

/** The visible pixels of a sprite: offsets from its top-left corner and colours. */
export interface SpritePixels {
  /** width and height in device pixels */
  size: number;
  dx: Int16Array;
  dy: Int16Array;
  rgba: Uint32Array;
}

/** Reads a sprite canvas once (when a look is first used). */
export function spritePixels(canvas: HTMLCanvasElement): SpritePixels {
  const size = canvas.width;
  const data = new Uint32Array(canvas.getContext("2d")!.getImageData(0, 0, size, size).data.buffer);
  const idx: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] >>> 24) idx.push(i);
  const dx = new Int16Array(idx.length),
    dy = new Int16Array(idx.length),
    rgba = new Uint32Array(idx.length);
  idx.forEach((i, k) => {
    dx[k] = i % size;
    dy[k] = Math.floor(i / size);
    rgba[k] = data[i];
  });
  return { size, dx, dy, rgba };
}

/** `s` over `d`, both straight RGBA with 0 < alpha(s) < 255 and alpha(d) > 0 (integer maths: it runs per pixel). */
export function over(s: number, d: number): number {
  const sa = s >>> 24;
  if (d >>> 24 === 255) {
    // over an opaque pixel (the common case where markers overlap): stays opaque, x/255 without dividing
    const ia = 255 - sa;
    const r = (((s & 255) * sa + (d & 255) * ia + 128) * 257) >>> 16;
    const g = ((((s >>> 8) & 255) * sa + ((d >>> 8) & 255) * ia + 128) * 257) >>> 16;
    const b = ((((s >>> 16) & 255) * sa + ((d >>> 16) & 255) * ia + 128) * 257) >>> 16;
    return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  const k = (((d >>> 24) * (255 - sa) + 127) / 255) | 0; // what shows of the destination, 0..255
  const oa = sa + k; // output alpha, > 0
  const r = (((s & 255) * sa + (d & 255) * k) / oa + 0.5) | 0;
  const g = ((((s >>> 8) & 255) * sa + ((d >>> 8) & 255) * k) / oa + 0.5) | 0;
  const b = ((((s >>> 16) & 255) * sa + ((d >>> 16) & 255) * k) / oa + 0.5) | 0;
  return ((oa << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export class PixelBuffer {
  /** one uint32 per pixel, row by row */
  readonly px: Uint32Array<ArrayBuffer>;
  readonly width: number;
  readonly height: number;
  private img: ImageData | undefined;

  constructor(width: number, height: number) {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.px = new Uint32Array(this.width * this.height);
  }

  /** The same memory as ImageData, for putImageData (made on first use: ImageData exists only in browsers). */
  get image(): ImageData {
    this.img ??= new ImageData(new Uint8ClampedArray(this.px.buffer), this.width, this.height);
    return this.img;
  }

  clear(): void {
    this.px.fill(0);
  }

  /** Draws a sprite with its top-left corner at device pixel (x, y), clipped to the buffer. */
  stamp(s: SpritePixels, x: number, y: number): void {
    const w = this.width,
      h = this.height,
      px = this.px,
      { dx, dy, rgba } = s;
    if (x >= w || y >= h || x + s.size <= 0 || y + s.size <= 0) return;
    const inside = x >= 0 && y >= 0 && x + s.size <= w && y + s.size <= h;
    for (let k = 0; k < rgba.length; k++) {
      const cx = x + dx[k],
        cy = y + dy[k];
      if (!inside && (cx < 0 || cy < 0 || cx >= w || cy >= h)) continue;
      const j = cy * w + cx;
      const c = rgba[k];
      const d = px[j];
      px[j] = c >>> 24 === 255 || d === 0 ? c : over(c, d);
    }
  }
}
