// Keeps one PublisherMarker per publisher JID in step with the store: moved and restyled, never recreated while
// the publisher exists. Renders only; what a publisher looks like is decided by the model (deriveStatus).
import L from "leaflet";
import type { PublisherStore } from "../model/store.ts";
import type { Fix, PublisherState } from "../model/publisher.ts";
import { displayName } from "../model/list.ts";
import { ago, deriveStatus } from "../model/status.ts";
import { lookKey, PublisherMarker, type MarkerLook } from "./marker.ts";

export interface MarkerInfo {
  jid: string;
  lat: number;
  lon: number;
  status: string;
  stale: boolean;
  onMap: boolean;
}

export class MarkerLayer {
  private readonly markers = new Map<string, PublisherMarker>();
  private readonly keys = new Map<string, string>();
  private readonly group: L.LayerGroup;
  private selected: string | undefined;
  private trail: L.Polyline | undefined;
  /** one tooltip for whichever marker the pointer is on (thousands of bound tooltips would cost memory) */
  private readonly tooltip = L.tooltip({ direction: "top", offset: [0, -8] });
  /** how many marker objects were ever created (for the e2e check that markers are moved, not recreated) */
  created = 0;

  constructor(private readonly map: L.Map, private readonly store: PublisherStore, private readonly staleAfterMs: number,
    private readonly onClick: (jid: string) => void) {
    this.group = L.layerGroup().addTo(map);
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
      let m = this.markers.get(jid);
      if (!p) { // gone for good (node deleted, access lost)
        if (m) { this.group.removeLayer(m); this.markers.delete(jid); this.keys.delete(jid); }
        continue;
      }
      if (!p.fix) { // stopped sharing or retracted: off the map, the object is kept for when it comes back
        if (m && this.group.hasLayer(m)) this.group.removeLayer(m);
        continue;
      }
      const look = this.look(p, now);
      const key = lookKey(look);
      if (!m) {
        m = new PublisherMarker(jid, [p.fix.lat, p.fix.lon], look);
        m.on("click", () => this.onClick(jid));
        m.on("mouseover", () => this.hover(jid));
        m.on("mouseout", () => this.tooltip.remove());
        this.markers.set(jid, m);
        this.keys.set(jid, key);
        this.created++;
        this.group.addLayer(m);
        continue;
      }
      if (this.keys.get(jid) !== key) {
        this.keys.set(jid, key);
        m.setLook(look);
      }
      const ll = m.getLatLng();
      if (ll.lat !== p.fix.lat || ll.lng !== p.fix.lon) m.setLatLng([p.fix.lat, p.fix.lon]);
      if (!this.group.hasLayer(m)) this.group.addLayer(m);
    }
  }

  private hover(jid: string): void {
    const p = this.store.get(jid);
    const m = this.markers.get(jid);
    if (!p?.fix || !m) return;
    const v = deriveStatus(p, Date.now(), this.staleAfterMs);
    const el = document.createElement("div");
    const name = document.createElement("strong");
    name.textContent = displayName(jid);
    el.append(name, document.createElement("br"), `${v.text}${v.stale ? " · stale" : ""}`,
      document.createElement("br"), `last fix ${v.fixAge === undefined ? "unknown" : ago(v.fixAge)}`);
    this.tooltip.setLatLng(m.getLatLng()).setContent(el).addTo(this.map);
  }

  /** Re-derives every marker's look (time passes: fixes go stale, "last seen" grows). */
  refresh(now: number): void {
    const changed: string[] = [];
    for (const [jid] of this.markers) {
      const p = this.store.get(jid);
      if (p?.fix && lookKey(this.look(p, now)) !== this.keys.get(jid)) changed.push(jid);
    }
    this.sync(changed, now);
  }

  select(jid: string | undefined, now: number): void {
    const before = this.selected;
    this.selected = jid;
    this.sync([before, jid].filter((j): j is string => j !== undefined), now);
    if (jid === undefined) this.showTrail([]);
  }

  showTrail(fixes: readonly Fix[]): void {
    const points = fixes.map((f) => L.latLng(f.lat, f.lon));
    if (!this.trail) {
      this.trail = L.polyline(points, { color: "#202020", weight: 2, opacity: 0.7, dashArray: "4 4", interactive: false }).addTo(this.map);
    } else {
      this.trail.setLatLngs(points);
    }
  }

  position(jid: string): L.LatLng | undefined {
    const m = this.markers.get(jid);
    return m && this.group.hasLayer(m) ? m.getLatLng() : undefined;
  }

  /** What is drawn, for tests and debugging (the canvas has no DOM per marker). */
  info(): MarkerInfo[] {
    return [...this.markers.values()].map((m) => ({
      jid: m.jid, lat: m.getLatLng().lat, lon: m.getLatLng().lng, status: m.look.status, stale: m.look.stale, onMap: this.group.hasLayer(m),
    }));
  }
}
