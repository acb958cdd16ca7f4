// The subscription modes of figures 9 and 10 on the wire: the area that holds about half of the bench's fixes, the
// cities (one small area each), the fix a publisher sends in each mode, and a viewer's (un)subscribe with the mode's
// subscription options.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { NS_GEOLOC, NS_PUBSUB, publishStanza } from "./clients.ts";

export type ViewMode = "plain" | "digest" | "area" | "cities" | "digest pass-through";
/** the bench's fixes (clients.ts publishStanza) lie in lat 48-49, lon 2-2.78: this box holds about half of them */
export const BOX = { south: 48, west: 2, north: 48.5, east: 2.8 };
/**
 * "cities": publisher i lives in city i % CITIES, viewer j watches city j % CITIES on 1 s digests (the issue's
 * set-up)
 */
export const CITIES = 20;
const city = (k: number) => ({ lat: -40 + 4 * (k % CITIES), lon: -170 + 17 * (k % CITIES) });
const cityBox = (k: number) => {
  const c = city(k);
  return { south: c.lat - 0.1, west: c.lon - 0.1, north: c.lat + 0.1, east: c.lon + 0.1 };
};
/** a fix near the centre of city k */
export function cityFix(id: string, k: number, n: number): Element {
  const c = city(k);
  const j = ((n * 7919) % 1000) / 20_000; // up to 0.05 degrees off the centre
  return xml(
    "pubsub",
    { xmlns: NS_PUBSUB },
    xml(
      "publish",
      { node: NS_GEOLOC },
      xml(
        "item",
        { id },
        xml(
          "geoloc",
          { xmlns: NS_GEOLOC },
          xml("lat", {}, (c.lat + j).toFixed(5)),
          xml("lon", {}, (c.lon - j).toFixed(5)),
        ),
      ),
    ),
  );
}

const bbox = (b: typeof BOX) => `${b.south},${b.west},${b.north},${b.east}`;
const options = (mode: ViewMode, digestMs: number, j: number): Record<string, string> | undefined =>
  mode === "digest" || mode === "digest pass-through"
    ? { "pubsub#digest": "true", "pubsub#digest_frequency": String(digestMs) }
    : mode === "area"
      ? { "geo#bbox": bbox(BOX) }
      : mode === "cities"
        ? { "geo#bbox": bbox(cityBox(j)), "pubsub#digest": "true", "pubsub#digest_frequency": String(digestMs) }
        : undefined;

/**
 * the <pubsub/> of viewer j's (un)subscribe to `locations` in a mode, with its subscription options (XEP-0060
 * §6.3.7)
 */
export function subscribePubsub(
  jid: string,
  j: number,
  mode: ViewMode,
  digestMs: number,
  action: "subscribe" | "unsubscribe",
): Element {
  const o = action === "subscribe" ? options(mode, digestMs, j) : undefined;
  const pubsub = xml("pubsub", { xmlns: NS_PUBSUB }, xml(action, { node: "locations", jid }));
  if (o) {
    pubsub.append(
      xml(
        "options",
        {},
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, `${NS_PUBSUB}#subscribe_options`)),
          ...Object.entries(o).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
        ),
      ),
    );
  }
  return pubsub;
}

/** A fix inside the box: the barrier every mode delivers (cities: one per city, from that city's first publisher). */
export const barrierStanza = (id: string) =>
  xml(
    "pubsub",
    { xmlns: NS_PUBSUB },
    xml(
      "publish",
      { node: NS_GEOLOC },
      xml("item", { id }, xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "48.1"), xml("lon", {}, "2.1"))),
    ),
  );
/** the fix a publisher sends in a mode */
export const fixOf = (mode: ViewMode, id: string, i: number, n: number) =>
  mode === "cities" ? cityFix(id, i, n) : publishStanza(id);
