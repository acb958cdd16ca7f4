// XEP-0080 <geoloc/> <-> core values. Browser-safe (no Node APIs).
import xml, { type Element } from "@xmpp/xml";
import { GEOLOC_FIELD_NAMES, type Geoloc, type GeolocEntry } from "../core/geoloc.ts";
import { NS } from "./ns.ts";

/** Reads the children of a `<geoloc/>` element for validation by the core. */
export function geolocEntries(el: Element): GeolocEntry[] {
  return el.getChildElements().map((c) => ({
    name: c.name,
    text: c.getText(),
    plain:
      (c.attrs.xmlns === undefined || c.attrs.xmlns === NS.geoloc) &&
      c.getChildElements().length === 0 &&
      !c.name.includes(":"),
  }));
}

/** Builds `<geoloc/>` with the fields in XEP-0080 table order. `{}` gives the empty "stopped sharing" element. */
export function geolocElement(g: Geoloc): Element {
  const el = xml("geoloc", g.lang ? { xmlns: NS.geoloc, "xml:lang": g.lang } : { xmlns: NS.geoloc });
  for (const f of GEOLOC_FIELD_NAMES) {
    const v = g[f];
    if (v !== undefined) el.c(f).t(v);
  }
  return el;
}

/** Reads a `<geoloc/>` without validation (for viewers: what the service sent is already valid). */
export function readGeoloc(el: Element): Geoloc {
  const g: Geoloc = {};
  for (const c of el.getChildElements()) {
    if ((GEOLOC_FIELD_NAMES as string[]).includes(c.name)) g[c.name as keyof Geoloc] = c.getText();
  }
  const lang = el.attrs["xml:lang"];
  if (lang) g.lang = lang;
  return g;
}
