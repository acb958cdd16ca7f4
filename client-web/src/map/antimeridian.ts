// Natural Earth rings that cross the antimeridian (Russia, Fiji, Antarctica) jump from +180 to -180, which a
// Mercator map draws as a line across the world. Shifting each point by whole turns so that no step exceeds half
// a turn keeps every ring continuous (it then reaches past 180, which Leaflet draws fine).
type Ring = number[][];

export function unwrapRing(ring: Ring): Ring {
  let shift = 0;
  return ring.map(([lon, lat], i) => {
    if (i > 0) {
      const prev = ring[i - 1][0];
      if (lon - prev > 180) shift -= 360;
      else if (prev - lon > 180) shift += 360;
    }
    return [lon + shift, lat];
  });
}

export function unwrapAntimeridian(g: GeoJSON.Geometry | null): void {
  if (g?.type === "Polygon") g.coordinates = g.coordinates.map(unwrapRing);
  else if (g?.type === "MultiPolygon") g.coordinates = g.coordinates.map((poly) => poly.map(unwrapRing));
}
