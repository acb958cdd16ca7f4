// Clusters where markers overlap at low zoom (supercluster, the library Mapbox and Leaflet.markercluster's peers use):
// each cluster is one DOM marker (a focusable button: Tab reaches it, Enter zooms in) that tells how many publishers
// it holds and how many of them are online, in text. Its members are hidden from the marker canvas. Re-clustered when
// the view changes and at most once a second while publishers move (clustering 5,000 points takes a few ms).
import L from "leaflet";
import Supercluster from "supercluster";

export interface ClusterPoint {
  jid: string;
  lat: number;
  lon: number;
  online: boolean;
}

/** Past this zoom nothing clusters (a street's worth of map: markers are told apart by their positions). */
export const CLUSTER_MAX_ZOOM = 14;
const RADIUS_PX = 36;
const EVERY_MS = 1000;

export class ClusterLayer {
  private readonly group = L.layerGroup();
  /** drawn clusters by their members, so one that stays keeps its element (and the keyboard focus) */
  private readonly drawn = new Map<string, L.Marker>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = 0;
  /** off: every marker drawn on its own at every zoom (the bench measures the marker canvas so) */
  enabled = true;
  /** the clusters drawn now: size and online count (for tests) */
  shown: { count: number; online: number }[] = [];

  constructor(
    private readonly map: L.Map,
    private readonly points: () => ClusterPoint[],
    private readonly hide: (members: Set<string>) => void,
  ) {
    this.group.addTo(map);
    map.on("moveend", () => this.update());
  }

  /** Publishers moved or changed: re-cluster soon (at most once per EVERY_MS). */
  changed(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + EVERY_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, wait);
  }

  update(): void {
    this.last = Date.now();
    const zoom = Math.round(this.map.getZoom());
    const members = new Set<string>();
    const keep = new Set<string>();
    this.shown = [];
    if (this.enabled && zoom <= CLUSTER_MAX_ZOOM) {
      const index = new Supercluster<{ jid: string; online: boolean }, { online: number }>({
        radius: RADIUS_PX,
        maxZoom: CLUSTER_MAX_ZOOM,
        minPoints: 2,
        map: (p) => ({ online: p.online ? 1 : 0 }),
        reduce: (acc, p) => {
          acc.online += p.online;
        },
      });
      index.load(
        this.points().map((p) => ({
          type: "Feature",
          geometry: { type: "Point", coordinates: [p.lon, p.lat] },
          properties: { jid: p.jid, online: p.online },
        })),
      );
      const b = this.map.getBounds().pad(0.2);
      const bbox: GeoJSON.BBox = [
        Math.max(-180, b.getWest()),
        Math.max(-85, b.getSouth()),
        Math.min(180, b.getEast()),
        Math.min(85, b.getNorth()),
      ];
      for (const c of index.getClusters(bbox, zoom)) {
        const props = c.properties as { cluster?: boolean; cluster_id?: number; point_count?: number; online?: number };
        if (!props.cluster) continue;
        const leaves = index.getLeaves(props.cluster_id!, Infinity).map((l) => l.properties.jid);
        for (const jid of leaves) members.add(jid);
        const count = props.point_count!,
          online = props.online ?? 0;
        this.shown.push({ count, online });
        const [lon, lat] = c.geometry.coordinates;
        const id = props.cluster_id!;
        const key = `${zoom}|${online}|${leaves.sort().join(",")}`;
        keep.add(key);
        const old = this.drawn.get(key);
        if (old) {
          old.setLatLng([lat, lon]);
          old
            .off("click")
            .on("click", () =>
              this.map.setView([lat, lon], Math.min(index.getClusterExpansionZoom(id), 18), { animate: false }),
            );
          continue;
        }
        const size = count >= 1000 ? 56 : count >= 100 ? 48 : 42;
        const marker = L.marker([lat, lon], {
          keyboard: true, // Leaflet makes the icon focusable (tabindex 0); Enter and Space are ours (below)
          title: "",
          alt: "",
          icon: L.divIcon({
            className: "cluster",
            iconSize: [size, size],
            // The accessible name is the text: "12 publishers here, 8 online: zoom in" (the words in brackets hidden).
            html:
              `<span class="n">${count.toLocaleString("en")}</span><span class="sr"> publishers here,</span> ` +
              `<span class="on">${online} online</span><span class="sr">: zoom in</span>`,
          }),
          riseOnHover: true,
        });
        marker.on("add", () => {
          const el = marker.getElement();
          if (!el) return;
          el.setAttribute("role", "button");
          el.removeAttribute("title");
          el.dataset.count = String(count);
          el.dataset.online = String(online);
          el.addEventListener("keydown", (e) => {
            if (e.key !== "Enter" && e.key !== " ") return;
            e.preventDefault();
            e.stopPropagation();
            marker.fire("click");
          });
        });
        marker.on("click", () =>
          this.map.setView([lat, lon], Math.min(index.getClusterExpansionZoom(id), 18), { animate: false }),
        );
        this.drawn.set(key, marker);
        this.group.addLayer(marker);
      }
    }
    for (const [key, m] of this.drawn)
      if (!keep.has(key)) {
        this.group.removeLayer(m);
        this.drawn.delete(key);
      }
    this.hide(members);
  }
}
