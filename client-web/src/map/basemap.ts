// The map and its basemap. Offline by default: Natural Earth country shapes bundled from npm (world-atlas
// countries-110m, drawn with topojson-client as one L.geoJSON layer). A tile URL can be configured for
// deployments that are online.
import L from "leaflet";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countriesUrl from "world-atlas/countries-110m.json?url";
import { unwrapAntimeridian } from "./antimeridian.ts";

import type { Basemap } from "../config.ts";

export function createMap(el: HTMLElement, basemap: Basemap): L.Map {
  const map = L.map(el, {
    preferCanvas: true, // the trail on a canvas too (the markers have their own layer: publisher-canvas.ts)
    renderer: L.canvas({ padding: 0.05, tolerance: 3 }),
    worldCopyJump: true,
    minZoom: 2,
    maxZoom: 18,
    zoomSnap: 0.5,
  });
  map.setView([30, 10], 2);
  if (basemap.type === "tiles") {
    L.tileLayer(basemap.url, { maxZoom: basemap.maxZoom ?? 19, attribution: basemap.attribution }).addTo(map);
  } else {
    map.attributionControl.addAttribution("Basemap: Natural Earth (world-atlas)");
    void addCountries(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  return map;
}

async function addCountries(map: L.Map): Promise<void> {
  const topo = (await (await fetch(countriesUrl)).json()) as Topology<{ countries: GeometryCollection }>;
  const shapes = feature(topo, topo.objects.countries);
  for (const f of shapes.features) unwrapAntimeridian(f.geometry);
  // Its own canvas pane below the markers' one, so marker redraws never repaint the countries.
  map.createPane("basemap").style.zIndex = "250";
  // GeoJSON hands its options to every polygon it makes, so `renderer` reaches them (Leaflet 1.9 geometryToLayer).
  const options: L.GeoJSONOptions & L.PathOptions = {
    pane: "basemap",
    renderer: L.canvas({ pane: "basemap", padding: 0.2 }),
    interactive: false,
    style: { color: "#8a8a7a", weight: 0.6, fillColor: "#f2efe6", fillOpacity: 1 },
  };
  L.geoJSON(shapes, options).addTo(map);
}
