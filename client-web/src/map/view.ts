// The map page once logged in: map, side panel, details, trail, follow. Applies once per animation frame whatever
// the store changed since the last frame, and re-derives time-dependent looks once a second.
import L from "leaflet";
import type { MapConfig } from "../config.ts";
import type { Fix } from "../model/publisher.ts";
import type { PublisherStore } from "../model/store.ts";
import { mergeTrail } from "../model/trail.ts";
import { createMap } from "./basemap.ts";
import { Details } from "./details.ts";
import { MarkerLayer, type MarkerInfo } from "./markers.ts";
import { Panel } from "./panel.ts";

export interface ViewDeps {
  /** the selected publisher's history (items on its own node), newest `max` */
  history(jid: string, max: number): Promise<Fix[]>;
}

export class MapView {
  readonly map: L.Map;
  private readonly markers: MarkerLayer;
  private readonly panel: Panel;
  private readonly details: Details;
  private selected: string | undefined;
  private following = false;
  private trail: Fix[] = [];
  private frame = 0;
  private panelAt = 0;
  private fitPending = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(root: HTMLElement, private readonly store: PublisherStore, private readonly cfg: MapConfig, private readonly deps: ViewDeps) {
    root.innerHTML = `
      <div class="layout">
        <aside class="side" aria-label="Publishers">
          <div id="panel" class="panel"></div>
          <section id="details" class="details" aria-label="Publisher details"></section>
        </aside>
        <div id="map" class="map" role="application" aria-label="Map of publishers"></div>
      </div>`;
    this.map = createMap(root.querySelector<HTMLElement>("#map")!, { tiles: cfg.tiles, tilesAttribution: cfg.tilesAttribution });
    this.markers = new MarkerLayer(this.map, store, cfg.staleAfterMs, (jid) => this.select(jid));
    this.panel = new Panel(root.querySelector<HTMLElement>("#panel")!, store, cfg.staleAfterMs, {
      select: (jid) => this.select(jid),
      toggleFollow: (jid) => { if (this.selected !== jid) this.select(jid); this.setFollow(!this.following); },
    });
    this.details = new Details(root.querySelector<HTMLElement>("#details")!, {
      close: () => this.select(undefined),
      toggleFollow: () => this.setFollow(!this.following),
    });
    this.map.on("dragstart", () => this.setFollow(false)); // the viewer took the map: stop following
    store.onChange(() => this.schedule());
    // Everything that arrived before the map existed.
    this.markers.sync(store.publishers.keys(), Date.now());
    this.store.takeDirty();
    this.fitAll();
    this.timer = setInterval(() => this.tick(), 1000);
    this.renderPanel(Date.now());
  }

  /**
   * At most one flush per animation frame, however many events arrived: it only updates the markers' records and
   * the panel; the marker layer spreads its own drawing over frames (publisher-canvas.ts). The changes wait in the store.
   */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.flush());
  }

  /** One frame: apply every change the store collected since the last one. */
  private flush(): void {
    this.frame = 0;
    const now = Date.now();
    const dirty = this.store.takeDirty();
    this.markers.sync(dirty, now);
    if (this.fitPending) { this.fitPending = false; this.fitAll(); }
    if (!dirty.length) return;
    if (now - this.panelAt > 300) this.renderPanel(now);
    if (this.selected && dirty.includes(this.selected)) {
      const p = this.store.get(this.selected);
      if (!p?.fix) { this.select(undefined); return; } // it stopped sharing or went away
      this.trail = mergeTrail(this.trail, [p.fix], this.cfg.trailLength);
      this.markers.showTrail(this.trail);
      if (this.following) this.map.panTo([p.fix.lat, p.fix.lon], { animate: false });
      this.renderDetails(now);
    }
  }

  private tick(): void {
    // the list is rendered from the store: changes still waiting for their frame reach the markers first, so the
    // list never shows a state the map does not (a row gone while its marker still stands)
    if (this.frame) { cancelAnimationFrame(this.frame); this.flush(); }
    const now = Date.now();
    this.markers.refresh(now);
    this.renderPanel(now); // ages change every second, so the list repaints anyway
    this.renderDetails(now);
  }

  private renderPanel(now: number): void {
    this.panelAt = now;
    this.panel.render(now);
  }

  private renderDetails(now: number): void {
    this.details.render(this.selected ? this.store.get(this.selected) : undefined, now, this.following, this.cfg.staleAfterMs, this.trail.length);
  }

  select(jid: string | undefined): void {
    if (jid === this.selected) { if (jid) this.panTo(jid); return; }
    const now = Date.now();
    this.selected = jid;
    this.following = false;
    this.trail = [];
    this.markers.select(jid, now);
    this.markers.showTrail([]);
    this.panel.setSelected(jid);
    this.renderDetails(now);
    if (!jid) return;
    this.panTo(jid);
    const p = this.store.get(jid);
    if (p?.fix) this.trail = [p.fix];
    this.deps.history(jid, this.cfg.trailLength).then((fixes) => {
      if (this.selected !== jid) return;
      this.trail = mergeTrail(this.trail, fixes, this.cfg.trailLength);
      this.markers.showTrail(this.trail);
      this.renderDetails(Date.now());
    }, () => { /* no history (e.g. the node is gone): the trail grows from live fixes */ });
  }

  private panTo(jid: string): void {
    const at = this.markers.position(jid);
    if (at) this.map.setView(at, Math.max(this.map.getZoom(), 11), { animate: false });
  }

  private setFollow(on: boolean): void {
    if (on === this.following) return;
    this.following = on && this.selected !== undefined;
    if (this.following && this.selected) this.panTo(this.selected);
    this.renderDetails(Date.now());
  }

  /** Frames every publisher at the next frame (when the first snapshot is in). */
  requestFit(): void {
    this.fitPending = true;
    this.schedule();
  }

  /** Frames every visible publisher. */
  fitAll(): void {
    const pts = this.markers.info().filter((m) => m.onMap).map((m) => L.latLng(m.lat, m.lon));
    if (pts.length) this.map.fitBounds(L.latLngBounds(pts), { padding: [40, 40], maxZoom: 13, animate: false });
  }

  /** Where a publisher's marker is on the page, in CSS pixels (for tests: the canvas has no element per marker). */
  pagePoint(jid: string): { x: number; y: number } | undefined {
    const at = this.markers.position(jid);
    if (!at) return undefined;
    const p = this.map.latLngToContainerPoint(at);
    const box = this.map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }

  /** For tests and debugging. */
  debug(): { markers: MarkerInfo[]; created: number; selected?: string; following: boolean; trail: number; redraws: number } {
    return { markers: this.markers.info(), created: this.markers.created, selected: this.selected, following: this.following, trail: this.trail.length, redraws: this.markers.redraws };
  }

  destroy(): void {
    clearInterval(this.timer);
    if (this.frame) cancelAnimationFrame(this.frame);
    this.map.remove();
  }
}
