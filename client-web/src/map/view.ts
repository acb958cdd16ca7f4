// The map page once logged in: map, side panel, details, trail, follow. Applies once per animation frame whatever
// the store changed since the last frame, and re-derives time-dependent looks once a second.
import L from "leaflet";
import type { HashView } from "../app/hash.ts";
import type { MapConfig } from "../config.ts";
import type { Fix } from "../model/publisher.ts";
import type { PublisherStore } from "../model/store.ts";
import { mergeTrail } from "../model/trail.ts";
import { createMap, type MapWithBasemap } from "./basemap.ts";
import { Details } from "./details.ts";
import { ClusterLayer } from "./clusters.ts";
import { EmptyState } from "./empty.ts";
import { fitMarkers, pagePoint, paddedArea, type Area } from "./geometry.ts";
import { addMarkerKeys, markersInView } from "./keyboard.ts";
import { renderLayout } from "./layout.ts";
import { MarkerLayer } from "./markers.ts";
import { Panel } from "./panel.ts";
import type { ViewDebug, ViewDeps } from "./view-types.ts";

export type { ViewDebug, ViewDeps } from "./view-types.ts";

export class MapView {
  readonly map: L.Map;
  private readonly basemap: MapWithBasemap;
  private readonly markers: MarkerLayer;
  private readonly panel: Panel;
  private readonly details: Details;
  private selected: string | undefined;
  private following = false;
  private trail: Fix[] = [];
  private frame = 0;
  private panelAt = 0;
  private fitPending = false;
  private loaded = false;
  /** a selection asked for (by the URL hash) before that publisher was on the map */
  private pendingSelect: string | undefined;
  private readonly empty: EmptyState;
  private readonly clusters: ClusterLayer;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    root: HTMLElement,
    private readonly store: PublisherStore,
    private readonly cfg: MapConfig,
    private readonly deps: ViewDeps,
  ) {
    const parts = renderLayout(root);
    this.basemap = createMap(parts.map, cfg.basemap);
    this.map = this.basemap.map;
    this.markers = new MarkerLayer(this.map, store, cfg.staleAfterMs, (jid) => this.select(jid));
    this.panel = new Panel(parts.panel, store, cfg.staleAfterMs, {
      select: (jid) => this.select(jid),
      toggleFollow: (jid) => {
        if (this.selected !== jid) this.select(jid);
        this.setFollow(!this.following);
      },
    });
    this.details = new Details(parts.details, {
      close: () => this.select(undefined),
      toggleFollow: () => this.setFollow(!this.following),
    });
    this.clusters = new ClusterLayer(
      this.map,
      () => this.markers.clusterPoints(),
      (members) => this.markers.setClustered(members),
    );
    addMarkerKeys(this.map, {
      inView: () => markersInView(this.map, this.markers.info()),
      point: (jid) => this.markers.point(jid),
      select: (jid) => this.select(jid),
    });
    this.empty = new EmptyState(parts.empty, cfg.service, deps.viewer ?? "you");
    this.map.on("dragstart", () => this.setFollow(false)); // the viewer took the map: stop following
    this.map.on("moveend", () => this.tellView());
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
   * the panel; the marker layer spreads its own drawing over frames (publisher-canvas.ts). The changes wait in the
   * store.
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
    if (dirty.length) this.clusters.changed();
    if (this.fitPending) {
      this.fitPending = false;
      this.fitAll();
    }
    if (!dirty.length) return;
    if (this.pendingSelect && dirty.includes(this.pendingSelect) && this.store.get(this.pendingSelect)?.fix) {
      const jid = this.pendingSelect;
      this.pendingSelect = undefined;
      this.select(jid, false);
    }
    if (now - this.panelAt > 300) this.renderPanel(now);
    if (this.selected && dirty.includes(this.selected)) {
      const p = this.store.get(this.selected);
      if (!p?.fix) {
        this.select(undefined);
        return;
      } // it stopped sharing or went away
      this.trail = mergeTrail(this.trail, [p.fix], this.cfg.trailLength);
      this.markers.showTrail(this.trail);
      if (this.following) this.map.panTo([p.fix.lat, p.fix.lon], { animate: false });
      this.renderDetails(now);
    }
  }

  private tick(): void {
    // the list is rendered from the store: changes still waiting for their frame reach the markers first, so the
    // list never shows a state the map does not (a row gone while its marker still stands)
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.flush();
    }
    const now = Date.now();
    this.empty.update(this.loaded, this.onMapCount());
    this.clusters.changed(); // statuses change with time (online counts)
    this.markers.refresh(now);
    this.renderPanel(now); // ages change every second, so the list repaints anyway
    this.renderDetails(now);
  }

  private renderPanel(now: number): void {
    this.panelAt = now;
    this.panel.render(now);
  }

  private renderDetails(now: number): void {
    this.details.render(
      this.selected ? this.store.get(this.selected) : undefined,
      now,
      this.following,
      this.cfg.staleAfterMs,
      this.trail.length,
    );
  }

  /** Clusters on (default) or off, for benchmarks. */
  setClustering(on: boolean): void {
    this.clusters.enabled = on;
    this.clusters.update();
  }

  /** Publishers drawn on the map. */
  onMapCount(): number {
    let n = 0;
    for (const p of this.store.publishers.values()) if (p.fix) n++;
    return n;
  }

  /** The first snapshot is in: from now on an empty map means nobody shares with this viewer. */
  setLoaded(): void {
    this.loaded = true;
    this.empty.update(true, this.onMapCount());
  }

  /** Shows what a URL hash holds: its center and zoom, then its selection once that publisher is on the map. */
  applyHash(v: HashView): void {
    if (v.center) {
      this.fitPending = false;
      this.map.setView([v.center.lat, v.center.lon], v.center.zoom, { animate: false });
    }
    if (v.selected !== this.selected) {
      if (v.selected && !this.store.get(v.selected)?.fix) {
        this.pendingSelect = v.selected;
        return;
      }
      this.select(v.selected, !v.center);
    }
  }

  /** The view padded by half its size on each side, as the area to subscribe to (geo#bbox). */
  area(): Area {
    return paddedArea(this.map);
  }

  private tellView(): void {
    const c = this.map.getCenter();
    this.deps.viewChanged?.({ center: { lat: c.lat, lon: c.lng, zoom: this.map.getZoom() }, selected: this.selected });
  }

  /** `pan`: bring the publisher into view (not when the hash already says where to look). */
  select(jid: string | undefined, pan = true): void {
    this.pendingSelect = undefined;
    if (jid === this.selected) {
      if (jid && pan) this.panTo(jid);
      return;
    }
    const now = Date.now();
    this.selected = jid;
    this.following = false;
    this.trail = [];
    this.markers.select(jid, now);
    this.markers.showTrail([]);
    this.panel.setSelected(jid);
    this.renderDetails(now);
    this.tellView();
    if (!jid) return;
    if (pan) this.panTo(jid);
    const p = this.store.get(jid);
    if (p?.fix) this.trail = [p.fix];
    this.deps.history(jid, this.cfg.trailLength).then(
      (fixes) => {
        if (this.selected !== jid) return;
        this.trail = mergeTrail(this.trail, fixes, this.cfg.trailLength);
        this.markers.showTrail(this.trail);
        this.renderDetails(Date.now());
      },
      () => {
        /* no history (e.g. the node is gone): the trail grows from live fixes */
      },
    );
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
    fitMarkers(this.map, this.markers.info());
  }

  /** Where a publisher's marker is on the page, in CSS pixels (for tests: the canvas has no element per marker). */
  pagePoint(jid: string): { x: number; y: number } | undefined {
    const at = this.markers.position(jid);
    return at ? pagePoint(this.map, at) : undefined;
  }

  /** For tests and debugging. */
  debug(): ViewDebug {
    return {
      markers: this.markers.info(),
      created: this.markers.created,
      selected: this.selected,
      following: this.following,
      trail: this.trail.length,
      redraws: this.markers.redraws,
      places: this.basemap.places?.shown ?? [],
      clusters: this.clusters.shown,
      lakes: this.basemap.lakes(),
      scale: this.basemap.scale(),
      zoom: this.map.getZoom(),
    };
  }

  destroy(): void {
    clearInterval(this.timer);
    if (this.frame) cancelAnimationFrame(this.frame);
    this.map.remove();
  }
}
