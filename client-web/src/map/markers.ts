// Keeps one marker (a Dot on the PublisherCanvas) per publisher JID in step with the store: moved and restyled,
// never recreated while the publisher exists. Renders only; what a publisher looks like is decided by the model
// (deriveStatus).
import L from "leaflet";
import type { PublisherStore } from "../model/store.ts";
import type { Fix, PublisherState } from "../model/publisher.ts";
import { displayName } from "../model/list.ts";
import { ago, deriveStatus } from "../model/status.ts";
import { lookKey, type MarkerLook } from "./marker.ts";
import { PublisherCanvas, type Dot } from "./publisher-canvas.ts";

export interface MarkerInfo {
  jid: string;
  lat: number;
  lon: number;
  status: string;
  stale: boolean;
  onMap: boolean;
  /** drawn as part of a cluster */
  clustered: boolean;
}

export class MarkerLayer {
  private readonly dots = new Map<string, Dot>();
  private readonly keys = new Map<string, string>();
  private readonly canvas: PublisherCanvas;
  private selected: string | undefined;
  private trail: L.Polyline | undefined;
  /** one tooltip for whichever marker the pointer is on (thousands of bound tooltips would cost memory) */
  private readonly tooltip = L.tooltip({ direction: "top", offset: [0, -8] });
  /** how many markers were ever created (for the e2e check that markers are moved, not recreated) */
  created = 0;

  constructor(
    private readonly map: L.Map,
    private readonly store: PublisherStore,
    private readonly staleAfterMs: number,
    onClick: (jid: string) => void,
  ) {
    this.canvas = new PublisherCanvas({
      click: onClick,
      hover: (jid) => {
        if (jid) this.hover(jid);
        else this.tooltip.remove();
      },
    }).addTo(map);
  }

  /** Pictures of the markers shown because publishers changed. */
  get redraws(): number {
    return this.canvas.redraws;
  }

  private look(p: PublisherState, now: number): MarkerLook {
    const { status, stale } = deriveStatus(p, now, this.staleAfterMs);
    // An offline publisher is not heading anywhere: its last bearing would mislead.
    const bearing = status === "offline" ? undefined : p.fix?.bearing;
    return { status, stale, selected: p.jid === this.selected, accuracy: p.fix?.accuracy, bearing };
  }

  /** Brings the given publishers' markers up to date (the ones the store reports as changed). */
  sync(jids: Iterable<string>, now: number): void {
    for (const jid of jids) {
      const p = this.store.get(jid);
      const d = this.dots.get(jid);
      if (!p) {
        // gone for good (node deleted, access lost)
        if (d) {
          this.canvas.hide(d);
          this.dots.delete(jid);
          this.keys.delete(jid);
        }
        continue;
      }
      if (!p.fix) {
        // stopped sharing or retracted: off the map, the marker is kept for when it comes back
        if (d) this.canvas.hide(d);
        continue;
      }
      const look = this.look(p, now);
      const key = lookKey(look);
      if (!d) {
        const dot: Dot = { jid, lat: p.fix.lat, lon: p.fix.lon, look, onMap: false, x: 0, y: 0, acc: 0 };
        this.dots.set(jid, dot);
        this.keys.set(jid, key);
        this.created++;
        this.canvas.show(dot);
        if (look.selected) this.canvas.setTop(dot);
        continue;
      }
      const restyled = this.keys.get(jid) !== key;
      if (restyled) {
        this.keys.set(jid, key);
        d.look = look;
      }
      const moved = d.lat !== p.fix.lat || d.lon !== p.fix.lon;
      d.lat = p.fix.lat;
      d.lon = p.fix.lon;
      if (!d.onMap) this.canvas.show(d);
      else if (restyled || moved) this.canvas.changed(d, restyled);
    }
  }

  private hover(jid: string): void {
    const p = this.store.get(jid);
    const d = this.dots.get(jid);
    if (!p?.fix || !d?.onMap) return;
    const v = deriveStatus(p, Date.now(), this.staleAfterMs);
    const el = document.createElement("div");
    const name = document.createElement("strong");
    name.textContent = displayName(jid);
    el.append(
      name,
      document.createElement("br"),
      `${v.text}${v.stale ? " · stale" : ""}`,
      document.createElement("br"),
      `last fix ${v.fixAge === undefined ? "unknown" : ago(v.fixAge)}`,
    );
    this.tooltip.setLatLng([d.lat, d.lon]).setContent(el).addTo(this.map);
  }

  /** Re-derives every marker's look (time passes: fixes go stale, "last seen" grows). */
  refresh(now: number): void {
    const changed: string[] = [];
    for (const [jid] of this.dots) {
      const p = this.store.get(jid);
      if (p?.fix && lookKey(this.look(p, now)) !== this.keys.get(jid)) changed.push(jid);
    }
    this.sync(changed, now);
  }

  select(jid: string | undefined, now: number): void {
    const before = this.selected;
    this.selected = jid;
    this.sync(
      [before, jid].filter((j): j is string => j !== undefined),
      now,
    );
    this.canvas.setTop(jid === undefined ? undefined : this.dots.get(jid));
    if (jid === undefined) this.showTrail([]);
  }

  showTrail(fixes: readonly Fix[]): void {
    const points = fixes.map((f) => L.latLng(f.lat, f.lon));
    if (!this.trail) {
      this.trail = L.polyline(points, {
        color: "#202020",
        weight: 2,
        opacity: 0.7,
        dashArray: "4 4",
        interactive: false,
      }).addTo(this.map);
    } else {
      this.trail.setLatLngs(points);
    }
  }

  position(jid: string): L.LatLng | undefined {
    const d = this.dots.get(jid);
    return d?.onMap ? L.latLng(d.lat, d.lon) : undefined;
  }

  /** Where the publishers on the map are, for clustering. */
  clusterPoints(): { jid: string; lat: number; lon: number; online: boolean }[] {
    const out = [];
    for (const d of this.dots.values())
      if (d.onMap) out.push({ jid: d.jid, lat: d.lat, lon: d.lon, online: d.look.status === "online" });
    return out;
  }

  /** The publishers a cluster stands for: drawn as the cluster (clusters.ts), not as markers. */
  setClustered(members: Set<string>): void {
    this.canvas.setClustered(this.dots.values(), members);
  }

  /** Shows the tooltip of a marker (keyboard focus on it), or none. */
  point(jid: string | undefined): void {
    if (jid) this.hover(jid);
    else this.tooltip.remove();
  }

  /** What is drawn, for tests and debugging (the canvas has no DOM per marker). */
  info(): MarkerInfo[] {
    return [...this.dots.values()].map((d) => ({
      jid: d.jid,
      lat: d.lat,
      lon: d.lon,
      status: d.look.status,
      stale: d.look.stale,
      onMap: d.onMap,
      clustered: d.clustered ?? false,
    }));
  }
}
