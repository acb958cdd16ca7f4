// Writes a small PMTiles v3 archive for tests (no writer is on npm): vector tiles cut from GeoJSON by geojson-vt,
// encoded as Mapbox Vector Tiles by vt-pbf, in the layout of the PMTiles v3 spec: a 127-byte header, one root
// directory (varint-encoded, no compression), JSON metadata, then the tile data in tile-id order.
// Layer names follow the Protomaps basemap (earth, water, boundaries), so protomaps-leaflet's flavors draw them.
import geojsonvt from "geojson-vt";
import { zxyToTileId } from "pmtiles";
import vtpbf from "vt-pbf";

function varint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

interface Entry {
  tileId: number;
  offset: number;
  length: number;
}

/**
 * PMTiles v3 §4: entries as four varint columns (delta tile ids, run lengths, lengths, offsets + 1 or 0 = contiguous).
 */
function directory(entries: Entry[]): Buffer {
  const out: number[] = [];
  varint(out, entries.length);
  let last = 0;
  for (const e of entries) {
    varint(out, e.tileId - last);
    last = e.tileId;
  }
  for (let i = 0; i < entries.length; i++) varint(out, 1);
  for (const e of entries) varint(out, e.length);
  entries.forEach((e, i) =>
    varint(out, i > 0 && e.offset === entries[i - 1].offset + entries[i - 1].length ? 0 : e.offset + 1),
  );
  return Buffer.from(out);
}

export interface ArchiveOptions {
  /** layer name -> features */
  layers: Record<string, GeoJSON.FeatureCollection>;
  minZoom: number;
  maxZoom: number;
  /** [west, south, east, north]: only tiles touching it are written */
  bounds: [number, number, number, number];
}

const tileOf = (lon: number, lat: number, z: number): [number, number] => {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [
    Math.floor(((lon + 180) / 360) * n),
    Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n),
  ];
};

export function writePmtiles(o: ArchiveOptions): { archive: Buffer; tiles: number } {
  const indexes = Object.entries(o.layers).map(
    ([name, fc]) =>
      [
        name,
        new geojsonvt(fc, { maxZoom: o.maxZoom, indexMaxZoom: o.maxZoom, tolerance: 3, extent: 4096, buffer: 64 }),
      ] as const,
  );
  const tiles: { tileId: number; data: Buffer }[] = [];
  for (let z = o.minZoom; z <= o.maxZoom; z++) {
    const [x0, y0] = tileOf(o.bounds[0], o.bounds[3], z);
    const [x1, y1] = tileOf(o.bounds[2], o.bounds[1], z);
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const layers: Record<string, unknown> = {};
        for (const [name, index] of indexes) {
          const t = index.getTile(z, x, y);
          if (t && t.features.length) layers[name] = t;
        }
        if (!Object.keys(layers).length) continue;
        tiles.push({
          tileId: zxyToTileId(z, x, y),
          data: Buffer.from(vtpbf.fromGeojsonVt(layers, { version: 2, extent: 4096 })),
        });
      }
    }
  }
  tiles.sort((a, b) => a.tileId - b.tileId);
  let offset = 0;
  const entries = tiles.map((t) => {
    const e = { tileId: t.tileId, offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const root = directory(entries);
  const metadata = Buffer.from(
    JSON.stringify({ name: "test basemap", vector_layers: Object.keys(o.layers).map((id) => ({ id, fields: {} })) }),
  );
  const data = Buffer.concat(tiles.map((t) => t.data));
  const h = Buffer.alloc(127);
  h.write("PMTiles", 0, "ascii");
  h.writeUInt8(3, 7);
  const u64 = (at: number, v: number) => h.writeBigUInt64LE(BigInt(v), at);
  const rootAt = 127,
    metaAt = rootAt + root.length,
    dataAt = metaAt + metadata.length;
  u64(8, rootAt);
  u64(16, root.length);
  u64(24, metaAt);
  u64(32, metadata.length);
  u64(40, dataAt);
  u64(48, 0); // no leaf directories
  u64(56, dataAt);
  u64(64, data.length);
  u64(72, tiles.length);
  u64(80, entries.length);
  u64(88, tiles.length);
  h.writeUInt8(1, 96); // clustered: tiles in tile-id order
  h.writeUInt8(1, 97); // internal compression: none
  h.writeUInt8(1, 98); // tile compression: none
  h.writeUInt8(1, 99); // tile type: MVT
  h.writeUInt8(o.minZoom, 100);
  h.writeUInt8(o.maxZoom, 101);
  const e7 = (at: number, deg: number) => h.writeInt32LE(Math.round(deg * 1e7), at);
  e7(102, o.bounds[0]);
  e7(106, o.bounds[1]);
  e7(110, o.bounds[2]);
  e7(114, o.bounds[3]);
  h.writeUInt8(o.minZoom, 118);
  e7(119, (o.bounds[0] + o.bounds[2]) / 2);
  e7(123, (o.bounds[1] + o.bounds[3]) / 2);
  return { archive: Buffer.concat([h, root, metadata, data]), tiles: tiles.length };
}
