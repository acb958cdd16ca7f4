// Every publisher on one canvas layer of its own, instead of one Leaflet layer per publisher: with thousands moving,
// Leaflet's canvas renderer redraws its whole dirty rectangle (with updates everywhere, the whole map) in one frame,
// one drawImage per marker, which alone took longer than a frame at 5,000.
//
// Here a changed picture is put together in a pixel buffer a few milliseconds per frame (FRAME_BUDGET_MS; sprites
// are copied pixel by pixel: pixels.ts), then shown with one putImageData, so no frame carries the whole redraw
// however many publishers move; the picture on screen is always a complete one. Accuracy circles (paths, few: they
// only show once zoomed in) are drawn on a canvas of their own under the sprites when the picture is shown.
// A change of the view itself (pan end, zoom) redraws at once, as Leaflet's renderer does, because the old picture
// no longer lines up with the map.
// Positioning and zoom animation follow Leaflet 1.9's L.Renderer (_update, _updateTransform).
import L from "leaflet";
import { coverBounds, drawRings, sizeCanvases, zoomTransform } from "./canvas-frame.ts";
import { accuracyPixels, radius, sprite } from "./marker.ts";
import { drawSome, hitDot, inView, type Dot, type Pass } from "./picture.ts";
import { PixelBuffer } from "./pixels.ts";

export type { Dot } from "./picture.ts";

export interface PublisherCanvasHandlers {
  click(jid: string): void;
  /** the pointer is on this publisher now (undefined: on none) */
  hover(jid: string | undefined): void;
}

/** Drawing time per frame for a changed picture; the rest of the frame stays free for the page. */
export const FRAME_BUDGET_MS = 4;
/**
 * A new picture starts at most this often (10 per second). A publisher reports a position about once a second at
 * most, so more pictures would not look different, while each costs the whole canvas again (clear, putImageData,
 * composite): at 1,000 publishers that fixed cost, not the markers, was most of the work.
 */
export const PICTURE_INTERVAL_MS = 100;

export class PublisherCanvas extends L.Layer {
  private readonly shown = new Set<Dot>();
  private top: Dot | undefined;
  private map!: L.Map;
  private box!: HTMLDivElement;
  private circles!: HTMLCanvasElement;
  private sprites!: HTMLCanvasElement;
  private buffer = new PixelBuffer(1, 1);
  /** the circles canvas shows something */
  private circlesDrawn = false;
  private bounds: L.Bounds | undefined;
  private center!: L.LatLng;
  private zoom = 0;
  private pass: Pass | undefined;
  /** something changed after the picture being drawn (or shown) was started */
  private dirty = false;
  private frame = 0;
  /** when the last picture was started (performance.now()) */
  private startedAt = -Infinity;
  private hovered: Dot | undefined;
  /** pictures shown because publishers changed (for the debug view and the benchmark) */
  redraws = 0;

  constructor(private readonly handlers: PublisherCanvasHandlers) {
    super();
  }

  override onAdd(map: L.Map): this {
    this.map = map;
    const pane = map.getPane("publishers") ?? map.createPane("publishers");
    pane.style.zIndex = "450"; // above the trail (overlay pane, 400), below tooltips (650)
    this.box = L.DomUtil.create("div", "leaflet-zoom-animated", pane);
    this.box.style.position = "absolute";
    this.circles = this.canvas();
    this.sprites = this.canvas();
    this.box.addEventListener("mousemove", (e) => this.onMouseMove(e));
    this.box.addEventListener("mouseleave", () => this.onMouseLeave());
    this.box.addEventListener("click", (e) => this.onClick(e));
    this.bounds = undefined;
    this.reprojectAll();
    this.update();
    return this;
  }

  override onRemove(): this {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.pass = undefined;
    L.DomUtil.remove(this.box); // its listeners go with it
    return this;
  }

  override getEvents(): { [name: string]: L.LeafletEventHandlerFn } {
    return {
      viewreset: () => {
        this.reprojectAll();
        this.update();
      },
      zoom: () => this.transform(this.map.getCenter(), this.map.getZoom()),
      zoomanim: ((e: L.ZoomAnimEvent) => this.transform(e.center, e.zoom)) as L.LeafletEventHandlerFn,
      zoomend: () => this.reprojectAll(),
      moveend: () => this.update(),
    };
  }

  /** Puts a dot on the map (drawn last, so on top of the others but the selected one). */
  show(d: Dot): void {
    if (d.onMap) return this.changed(d, true);
    d.onMap = true;
    this.shown.add(d);
    this.restyle(d);
    this.project(d);
    this.requestRedraw();
  }

  hide(d: Dot): void {
    if (!d.onMap) return;
    d.onMap = false;
    this.shown.delete(d);
    if (this.top === d) this.top = undefined;
    if (this.hovered === d) {
      this.hovered = undefined;
      this.handlers.hover(undefined);
    }
    this.requestRedraw();
  }

  /** Which dots a cluster stands for (drawn as the cluster, not as dots). */
  setClustered(dots: Iterable<Dot>, members: Set<string>): void {
    let changed = false;
    for (const d of dots) {
      const c = members.has(d.jid);
      if ((d.clustered ?? false) !== c) {
        d.clustered = c;
        changed = true;
      }
    }
    if (changed) this.requestRedraw();
  }

  private drawn(d: Dot): boolean {
    return d.onMap && (!d.clustered || d === this.top);
  }

  /** The dot moved (lat/lon) and, with `restyled`, its look changed. */
  changed(d: Dot, restyled: boolean): void {
    if (restyled) this.restyle(d);
    if (!d.onMap) return;
    this.project(d);
    this.requestRedraw();
  }

  /** The dot drawn above all others (the selected publisher). */
  setTop(d: Dot | undefined): void {
    if (this.top === d) return;
    this.top = d;
    this.requestRedraw();
  }

  private canvas(): HTMLCanvasElement {
    const c = L.DomUtil.create("canvas", "", this.box);
    c.style.position = "absolute";
    c.style.left = c.style.top = "0";
    return c;
  }

  private restyle(d: Dot): void {
    d.sprite = sprite(d.look);
  }

  private project(d: Dot): void {
    if (!this.map) return;
    const p = this.map.latLngToLayerPoint([d.lat, d.lon]);
    d.x = p.x;
    d.y = p.y;
    d.acc = accuracyPixels(this.map, d.lat, d.lon, p.y, d.look.accuracy);
  }

  private reprojectAll(): void {
    for (const d of this.shown) this.project(d);
  }

  /** As L.Renderer._update (moveend, viewreset): cover the view plus padding, then draw the picture at once. */
  private update(): void {
    const map = this.map as L.Map & { _animatingZoom?: boolean };
    if (map._animatingZoom && this.bounds) return;
    const bounds = coverBounds(map);
    const zoom = map.getZoom();
    const same =
      this.bounds && this.bounds.min!.equals(bounds.min!) && this.bounds.max!.equals(bounds.max!) && this.zoom === zoom;
    this.center = map.getCenter();
    this.zoom = zoom;
    L.DomUtil.setPosition(this.box, bounds.min!);
    if (same) return;
    this.bounds = bounds;
    const box = bounds.getSize();
    const m = L.Browser.retina ? 2 : 1;
    sizeCanvases([this.circles, this.sprites], box, m);
    this.circlesDrawn = false;
    this.buffer = new PixelBuffer(m * box.x, m * box.y);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.dirty = false;
    this.pass = this.startPass();
    this.drawSome(this.pass, Infinity);
    this.present(this.pass);
  }

  /** As L.Renderer._updateTransform: during a zoom animation the picture is scaled with the map. */
  private transform(center: L.LatLng, zoom: number): void {
    if (!this.bounds) return;
    const { topLeft, scale } = zoomTransform(this.map, center, zoom, this.center, this.zoom);
    L.DomUtil.setTransform(this.box, topLeft, scale);
  }

  private requestRedraw(): void {
    this.dirty = true;
    if (!this.frame && this.bounds) this.frame = requestAnimationFrame(() => this.step());
  }

  /** One frame's share of the drawing: start a picture if something changed, draw for the budget, show it when done. */
  private step(): void {
    this.frame = 0;
    if (!this.pass) {
      if (!this.dirty) return;
      const now = performance.now();
      if (now - this.startedAt < PICTURE_INTERVAL_MS - 1) {
        this.frame = requestAnimationFrame(() => this.step());
        return;
      }
      this.startedAt = now;
      this.dirty = false;
      this.pass = this.startPass();
    }
    if (this.drawSome(this.pass, FRAME_BUDGET_MS)) {
      this.present(this.pass);
      this.redraws++;
      if (!this.dirty) return;
    }
    this.frame = requestAnimationFrame(() => this.step());
  }

  /** The finished picture goes on screen, the accuracy circles (where the dots are now) under it. */
  private present(pass: Pass): void {
    this.pass = undefined;
    this.sprites.getContext("2d")!.putImageData(this.buffer.image, 0, 0);
    const rings = pass.dots.filter((d) => this.drawn(d) && d.acc > radius(d.look) + 1 && this.inView(d, d.acc));
    if (!rings.length && !this.circlesDrawn) return;
    drawRings(this.circles, rings, this.bounds!.min!, L.Browser.retina ? 2 : 1);
    this.circlesDrawn = rings.length > 0;
  }

  /** Starts a picture: a blank buffer, and the dots in drawing order (the selected one last, on top). */
  private startPass(): Pass {
    this.buffer.clear();
    const dots = [...this.shown];
    if (this.top?.onMap) {
      dots.splice(dots.indexOf(this.top), 1);
      dots.push(this.top);
    }
    return { dots, i: 0 };
  }

  /** Draws dots of the pass for at most `budgetMs`; true when the pass is complete. */
  private drawSome(pass: Pass, budgetMs: number): boolean {
    return drawSome(pass, this.buffer, this.bounds!, L.Browser.retina ? 2 : 1, (d) => this.drawn(d), budgetMs);
  }

  private inView(d: Dot, reach: number): boolean {
    return inView(this.bounds!, d, reach);
  }

  /** The dot under the pointer (picture.ts). */
  private hit(e: MouseEvent): Dot | undefined {
    return hitDot(this.shown, this.top, this.map.mouseEventToLayerPoint(e), (d) => this.drawn(d));
  }

  private onMouseMove(e: MouseEvent): void {
    const d = this.hit(e);
    if (d === this.hovered) return;
    this.hovered = d;
    this.box.style.cursor = d ? "pointer" : "";
    this.handlers.hover(d?.jid);
  }

  private onMouseLeave(): void {
    if (!this.hovered) return;
    this.hovered = undefined;
    this.box.style.cursor = "";
    this.handlers.hover(undefined);
  }

  private onClick(e: MouseEvent): void {
    const dragging = this.map.dragging as (L.Handler & { moved(): boolean }) | undefined;
    if (dragging?.moved()) return; // the end of a drag, not a click
    const d = this.hit(e);
    if (!d) return;
    L.DomEvent.stopPropagation(e);
    this.handlers.click(d.jid);
  }
}
