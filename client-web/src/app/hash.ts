// The view in the URL hash, so a view can be bookmarked and shared without credentials:
//   #map=<zoom>/<lat>/<lon>&sel=<publisher bare JID>
// (the `map=` part is the convention of openstreetmap.org's links). Pure: strings in, values out.
export interface HashView {
  center?: { lat: number; lon: number; zoom: number };
  selected?: string;
}

export function parseHash(hash: string): HashView {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const out: HashView = {};
  const m = q.get("map")?.split("/").map(Number);
  if (
    m &&
    m.length === 3 &&
    m.every(Number.isFinite) &&
    m[0] >= 0 &&
    m[0] <= 22 &&
    Math.abs(m[1]) <= 90 &&
    Math.abs(m[2]) <= 540
  ) {
    out.center = { zoom: m[0], lat: m[1], lon: m[2] };
  }
  const sel = q.get("sel");
  if (sel && /^[^\s/@]+@[^\s/@]+$/.test(sel)) out.selected = sel;
  return out;
}

/** Digits enough for the zoom: about a pixel at that zoom. */
export function formatHash(v: HashView): string {
  const parts: string[] = [];
  if (v.center) {
    const d = Math.max(0, Math.ceil(Math.log10(2 ** v.center.zoom)));
    parts.push(`map=${+v.center.zoom.toFixed(2)}/${v.center.lat.toFixed(d)}/${v.center.lon.toFixed(d)}`);
  }
  if (v.selected) parts.push(`sel=${encodeURIComponent(v.selected).replace(/%40/g, "@")}`);
  return parts.length ? `#${parts.join("&")}` : "";
}
