// Generators for the hostile-input fuzz (test/integration/fuzz-hostile.test.ts and fuzz-utf8-chunks.test.ts):
// values a client can put on the wire (JIDs, node names, numbers, dates, form fields, geoloc payloads), hostile in
// content, size and nesting but always XML a client can send. The cases built from them are in ./fuzz-cases.ts.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import fc from "fast-check";
import { GEOLOC_FIELD_NAMES } from "../../component/src/core/geoloc.ts";
import { NS_GEOLOC } from "./client.ts";

export const SEED = Number(process.env.GEO_FUZZ_SEED ?? 20261127);
export const CAP = 8192; // GEO_MAX_PAYLOAD default
export const SERVICE = "geo.localhost";
export const ME = "fuzz@localhost";
export const VICTIM = "victim@localhost";

/** Only characters XML 1.0 allows (and no CR, which parsers normalise): what a client can put on the wire. */
export const xmlSafe = (s: string) => s.replace(/[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "?");
export const bytes = (s: string) => Buffer.byteLength(s, "utf8");
export const text = (max: number) =>
  fc
    .oneof(
      fc.string({ maxLength: max }),
      fc.string({ unit: "grapheme", maxLength: Math.min(max, 200) }),
      fc.string({ unit: "binary", maxLength: Math.min(max, 200) }),
    )
    .map(xmlSafe);
const huge = fc
  .tuple(fc.constantFrom("x", "é", "€", "😀", "<&>'\""), fc.integer({ min: 1000, max: 20_000 }))
  .map(([c, n]) => c.repeat(n));

export const jidLike = fc.oneof(
  fc.constantFrom(
    ME,
    `${ME}/fuzz`,
    `${ME}/other`,
    "FUZZ@LOCALHOST",
    VICTIM,
    `${VICTIM}/phone`,
    "ghost@localhost",
    "x@evil.example",
    "",
    "@",
    "a@",
    "@localhost",
    "a@b@c",
    "a b@localhost",
    "<script>@localhost",
    "été@localhost",
    "localhost",
    SERVICE,
    `${"a".repeat(1100)}@localhost`,
    "fuzz@localhost/" + "r".repeat(2000),
  ),
  text(60),
);
export const nodeName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(ME, NS_GEOLOC, "locations", "presence", VICTIM, "FUZZ@localhost") },
  { weight: 2, arbitrary: jidLike },
);
export const decimal = fc.oneof(
  fc.double().map(String), // NaN, Infinity, -0, 5e-324, 1.7976931348623157e+308...
  fc.constantFrom(
    "NaN",
    "Infinity",
    "-Infinity",
    "INF",
    "1e5",
    "0x1A",
    "",
    " ",
    "1,5",
    "١٢٣",
    "+",
    ".",
    "-.5",
    " 12.5 ",
    "00012.5000",
    "91",
    "-90.0000000001",
    "180.0000001",
    "360",
    "359.99999",
    "-0",
    "1".repeat(33),
    `0.${"0".repeat(40)}1`,
    "9".repeat(32),
  ),
  fc.integer({ min: -400, max: 400 }).map(String),
  fc.tuple(fc.integer({ min: -90, max: 90 }), fc.nat()).map(([a, b]) => `${a}.${b}`),
);
const datetime = fc.oneof(
  fc.constantFrom(
    "2026-11-26T10:00:00Z",
    "2026-02-31T10:00:00Z",
    "2026-11-26T25:00:00Z",
    "2099-01-01T00:00:00Z",
    "yesterday",
    "",
    "2026-11-26T10:00:00.123456789+14:00",
    "2026-11-26 10:00:00",
    "0000-01-01T00:00:00Z",
    "+275760-09-13T00:00:00Z",
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const fieldName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...GEOLOC_FIELD_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom("LAT", "foo", "geoloc", "script", "x:lat") },
);

// an element may appear under several parents: only its serialisation matters here
export const copy = (el: Element): Element => el;

/** Deeply nested elements, `depth` levels. */
function deep(depth: number): Element {
  let el = xml("n", {}, "bottom");
  for (let i = 0; i < depth; i++) el = xml("n", {}, el);
  return el;
}

const field: fc.Arbitrary<Element> = fc
  .tuple(
    fieldName,
    fc.oneof(decimal, datetime, text(50), huge),
    fc.constantFrom("plain", "plain", "plain", "plain", "attr", "child", "ns", "deep"),
    fc.integer({ min: 1, max: 3000 }),
  )
  .map(([name, value, shape, depth]) => {
    const safeName = name.includes(":") ? "lat" : name;
    switch (shape) {
      case "attr":
        return xml(safeName, { unit: "m", evil: value }, value);
      case "child":
        return xml(safeName, {}, value, xml("extra", {}, value));
      case "ns":
        return xml(safeName, { xmlns: "urn:not:geoloc" }, value);
      case "deep":
        return xml(safeName, {}, deep(depth));
      default:
        return xml(safeName, {}, value);
    }
  });

export const geolocEl: fc.Arbitrary<Element> = fc
  .tuple(
    fc.constantFrom("geoloc", "geoloc", "geoloc", "location", "x"),
    fc.constantFrom(NS_GEOLOC, NS_GEOLOC, NS_GEOLOC, "http://jabber.org/protocol/geoloc#x", "", "jabber:client"),
    fc.option(fc.constantFrom("en", "de-DE", "", "not a tag", "x".repeat(300)), { nil: undefined }),
    fc.array(field, { maxLength: 8 }),
    fc.boolean(),
  )
  .map(([name, ns, lang, fields, valid]) => {
    const base = valid ? [xml("lat", {}, "52.5"), xml("lon", {}, "13.4")] : [];
    return xml(name, lang === undefined ? { xmlns: ns } : { xmlns: ns, "xml:lang": lang }, ...base, ...fields);
  });

export const itemEl = fc
  .tuple(
    fc.option(fc.oneof(fc.constantFrom("keep-1", "", "a".repeat(300)), text(20)), { nil: undefined }),
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: geolocEl },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map(deep) },
      ),
      { maxLength: 2 },
    ),
    fc.option(jidLike, { nil: undefined }),
  )
  .map(([id, payloads, publisher]) =>
    xml("item", { ...(id !== undefined && { id }), ...(publisher !== undefined && { publisher }) }, ...payloads),
  );

export const form = (type: string, fields: Array<[string, string]>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, type)),
    ...fields.map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );
export const configField = fc.oneof(
  fc.tuple(
    fc.constant("pubsub#access_model"),
    fc.oneof(fc.constantFrom("open", "whitelist", "authorize", "presence", "roster", ""), text(20)),
  ),
  fc.tuple(fc.constant("pubsub#max_items"), fc.oneof(decimal, fc.constantFrom("max", "0", "1", "1000", "1001", "-1"))),
  fc.tuple(fc.constant("pubsub#title"), fc.oneof(text(50), huge)),
  fc.tuple(fc.constant("geo#coarse_km"), fc.oneof(decimal, fc.constantFrom("0", "0.1", "5", "5000", "5000.1", ""))),
  fc.tuple(fc.constant("pubsub#itemreply"), fc.constantFrom("publisher", "owner", "")),
  fc.tuple(fc.constant("geo#exact"), jidLike),
  fc.tuple(fc.constant("geo#share_until"), fc.oneof(datetime, fc.constantFrom("", "2099-01-01T00:00:00Z"))),
  fc.tuple(
    fc.oneof(
      fc.constantFrom("pubsub#deliver_payloads", "pubsub#persist_items", "", "FORM_TYPE", "geo#exactly"),
      text(20),
    ),
    text(20),
  ),
);

/** A near-the-cap payload that is otherwise valid: mixed 1- to 4-byte characters spread over string fields. */
export const sized = fc
  .tuple(
    fc.integer({ min: CAP - 48, max: CAP + 48 }),
    fc.constantFrom("a", "é", "€", "😀", "aé€😀", "日本語"),
    fc.string({ minLength: 1, maxLength: 8 }),
  )
  .map(([target, mix, tag]) => {
    const id = `sized-${xmlSafe(tag).replace(/[^a-z0-9]/gi, "")}${target}`;
    const el = xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "48.1"), xml("lon", {}, "11.5"));
    for (const f of [
      "text",
      "description",
      "street",
      "area",
      "building",
      "locality",
      "region",
      "room",
      "floor",
      "datum",
      "country",
      "postalcode",
    ]) {
      const room = target - bytes(el.toString()) - (2 * f.length + 5);
      if (room <= 0) break;
      let s = "";
      let b = 0;
      for (let i = 0; ; i++) {
        const ch = [...mix][i % [...mix].length];
        if (s.length + ch.length > 1000 || b + bytes(ch) > room) break;
        s += ch;
        b += bytes(ch);
      }
      while (b < room && s.length < 1024) {
        s += "a";
        b++;
      }
      el.append(xml(f, {}, s));
    }
    return { id, payload: el, bytes: bytes(el.toString()) };
  });
