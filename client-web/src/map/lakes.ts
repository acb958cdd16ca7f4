// Lakes on the offline basemap (Natural Earth 1 km via @geo-maps/earth-lakes-1km, split by build.ts): the large ones
// (lakes/world.json) from zoom 4, every lake of the 10° cells in view (lakes/<row>_<col>.json) from zoom 8. Their
// own pane and canvas above the countries, so a change of the countries' scale never paints over them.
import L from "leaflet";

const CELL_DEG = 10; // as build.ts
const WATER = { stroke: true, color: "#8fb3cf", weight: 0.6, fillColor: "#b9d3e6", fillOpacity: 1 };

export class OfflineLakes {
  private readonly loaded = new Map<string, Promise<L.GeoJSON | undefined>>();
  private readonly renderer: L.Canvas;
  private world: L.GeoJSON | undefined;
  private readonly cells = L.layerGroup();
  /** files drawn now (for tests) */
  shown = new Set<string>();

  constructor(
    private readonly map: L.Map,
    private readonly base: string,
  ) {
    map.createPane("lakes").style.zIndex = "260";
    this.renderer = L.canvas({ pane: "lakes", padding: 0.2 });
    this.cells.addTo(map);
    map.on("moveend", () => this.update());
    this.update();
  }

  private load(name: string): Promise<L.GeoJSON | undefined> {
    let p = this.loaded.get(name);
    if (!p) {
      p = fetch(`${this.base}${name}`)
        .then((r) => (r.ok ? r.json() : undefined))
        .then(
          (g: GeoJSON.MultiPolygon | undefined) =>
            g
              ? L.geoJSON(g, {
                  pane: "lakes",
                  renderer: this.renderer,
                  interactive: false,
                  style: WATER,
                } as L.GeoJSONOptions & L.PathOptions)
              : undefined,
          () => undefined,
        ); // no lakes there (the cell's file is missing)
      this.loaded.set(name, p);
    }
    return p;
  }

  private update(): void {
    const z = this.map.getZoom();
    const want = new Set<string>();
    if (z >= 8) {
      const b = this.map.getBounds();
      for (
        let r = Math.floor((Math.max(-89.9, b.getSouth()) + 90) / CELL_DEG);
        r <= Math.floor((Math.min(89.9, b.getNorth()) + 90) / CELL_DEG);
        r++
      ) {
        for (let c = Math.floor((b.getWest() + 180) / CELL_DEG); c <= Math.floor((b.getEast() + 180) / CELL_DEG); c++)
          want.add(`${r}_${((c % 36) + 36) % 36}.json`);
      }
    } else if (z >= 4) {
      want.add("world.json");
    }
    for (const name of want) {
      void this.load(name).then((layer) => {
        if (!layer || !this.wanted(name)) return;
        if (!this.cells.hasLayer(layer)) this.cells.addLayer(layer);
        this.shown.add(name);
      });
    }
    for (const name of [...this.shown]) {
      if (want.has(name)) continue;
      void this.load(name).then((layer) => {
        if (layer && !this.wanted(name)) {
          this.cells.removeLayer(layer);
          this.shown.delete(name);
        }
      });
    }
    this.want = want;
  }

  private want = new Set<string>();
  private wanted(name: string): boolean {
    return this.want.has(name);
  }
}
