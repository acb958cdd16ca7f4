// XEP-0080 User Location: the field table (declared once) and payload validation.
// Values stay in their lexical form so that what a publisher sent round-trips byte for byte.

export type FieldType = "decimal" | "string" | "datetime" | "tzo" | "uri" | "countrycode";

interface FieldSpec {
  type: FieldType;
  min?: number;
  max?: number;
  /** max exclusive (bearing is in [0, 360)) */
  maxExclusive?: boolean;
}

// XEP-0080 §4 (Data Format): every element, in the order of the specification's table.
export const GEOLOC_FIELDS = {
  accuracy: { type: "decimal", min: 0 },
  alt: { type: "decimal" },
  altaccuracy: { type: "decimal", min: 0 },
  area: { type: "string" },
  bearing: { type: "decimal", min: 0, max: 360, maxExclusive: true },
  building: { type: "string" },
  country: { type: "string" },
  countrycode: { type: "countrycode" },
  datum: { type: "string" },
  description: { type: "string" },
  error: { type: "decimal", min: 0 }, // deprecated in favour of accuracy, still accepted
  floor: { type: "string" },
  lat: { type: "decimal", min: -90, max: 90 },
  locality: { type: "string" },
  lon: { type: "decimal", min: -180, max: 180 },
  postalcode: { type: "string" },
  region: { type: "string" },
  room: { type: "string" },
  speed: { type: "decimal", min: 0 },
  street: { type: "string" },
  text: { type: "string" },
  timestamp: { type: "datetime" },
  tzo: { type: "tzo" },
  uri: { type: "uri" },
} as const satisfies Record<string, FieldSpec>;

export type GeolocField = keyof typeof GEOLOC_FIELDS;
export const GEOLOC_FIELD_NAMES = Object.keys(GEOLOC_FIELDS) as GeolocField[];

/** A validated XEP-0080 payload: field name -> lexical value. `{}` means "stopped sharing" (XEP-0080 §4.1). */
export type Geoloc = Partial<Record<GeolocField, string>> & { lang?: string };

/** One child of `<geoloc/>` as the protocol layer found it. */
export interface GeolocEntry {
  name: string;
  text: string;
  /** false when the child is in another namespace or has element children of its own */
  plain: boolean;
}

export const LIMITS = {
  /** A decimal with more characters than this is "absurdly precise" (a double carries ~17 digits). */
  decimalChars: 32,
  stringChars: 1024,
  /** How far in the future a fix's timestamp may be (clock skew) before it is refused. */
  futureToleranceMs: 60_000,
};

// xs:decimal lexical space: no exponent, no NaN/INF (XEP-0080 §4 types lat/lon/... as xs:decimal).
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
// XEP-0082 §3.2 DateTime: CCYY-MM-DDThh:mm:ss[.sss]TZD
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;
// XEP-0082 §3.4 TZD as used by XEP-0080 <tzo/>
const TZO = /^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

export type GeolocResult = { ok: true; geoloc: Geoloc } | { ok: false; reason: string };

/** Parses an XEP-0082 DateTime to epoch ms, or undefined when it is not one. */
export function parseDateTime(s: string): number | undefined {
  const m = DATETIME.exec(s);
  if (!m) return undefined;
  const [, , mo, d, h, mi, sec] = m.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  // Date.parse rolls 2026-02-31 over to March: refuse dates that do not exist.
  const offset = m[8] === "Z" ? 0 : (m[8].startsWith("-") ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const local = new Date(t + offset * 60_000);
  if (local.getUTCDate() !== d) return undefined;
  return t;
}

function checkValue(name: GeolocField, text: string): string | undefined {
  const spec: FieldSpec = GEOLOC_FIELDS[name];
  switch (spec.type) {
    case "decimal": {
      if (text.length > LIMITS.decimalChars) return `${name}: more than ${LIMITS.decimalChars} characters`;
      if (!DECIMAL.test(text)) return `${name}: not a decimal number`;
      const v = Number(text);
      if (spec.min !== undefined && v < spec.min) return `${name}: below ${spec.min}`;
      if (spec.max !== undefined && (spec.maxExclusive ? v >= spec.max : v > spec.max))
        return `${name}: above ${spec.max}`;
      return undefined;
    }
    case "datetime":
      return parseDateTime(text) === undefined ? `${name}: not an XEP-0082 DateTime` : undefined;
    case "tzo":
      return TZO.test(text) ? undefined : `${name}: not an XEP-0082 time zone offset`;
    case "countrycode":
      return /^[A-Za-z]{2}$/.test(text) ? undefined : `${name}: not an ISO 3166 two-letter code`;
    case "uri":
      if (text.length > LIMITS.stringChars) return `${name}: longer than ${LIMITS.stringChars} characters`;
      try {
        new URL(text);
        return undefined;
      } catch {
        return `${name}: not a URI`;
      }
    case "string":
      return text.length > LIMITS.stringChars ? `${name}: longer than ${LIMITS.stringChars} characters` : undefined;
  }
}

/**
 * Validates the children of a `<geoloc/>` (XEP-0080 §4). `now` fills a missing timestamp and bounds future ones.
 * Whitespace around numbers is tolerated and trimmed; strings are kept exactly as sent.
 */
export function validateGeoloc(entries: GeolocEntry[], now: number, lang?: string): GeolocResult {
  const geoloc: Geoloc = {};
  for (const e of entries) {
    if (!(e.name in GEOLOC_FIELDS)) return { ok: false, reason: `unknown element <${e.name}/>` };
    const name = e.name as GeolocField;
    if (!e.plain) return { ok: false, reason: `${name}: must be text only, in the geoloc namespace` };
    if (geoloc[name] !== undefined) return { ok: false, reason: `${name}: appears more than once` };
    const type = GEOLOC_FIELDS[name].type;
    const text = type === "string" ? e.text : e.text.trim();
    const problem = checkValue(name, text);
    if (problem) return { ok: false, reason: problem };
    geoloc[name] = text;
  }
  if ((geoloc.lat === undefined) !== (geoloc.lon === undefined)) {
    return { ok: false, reason: "lat and lon come together" };
  }
  if (lang !== undefined) {
    if (!/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(lang))
      return { ok: false, reason: "xml:lang is not a language tag" };
    geoloc.lang = lang;
  }
  if (isStop(geoloc)) return { ok: true, geoloc };
  if (geoloc.timestamp === undefined) {
    geoloc.timestamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
  } else if (parseDateTime(geoloc.timestamp)! > now + LIMITS.futureToleranceMs) {
    // A fix from the future would stay "newest" on every map until that time: refuse it.
    return { ok: false, reason: `timestamp: more than ${LIMITS.futureToleranceMs / 1000} s in the future` };
  }
  return { ok: true, geoloc };
}

/** An empty `<geoloc/>`: the publisher stopped sharing (XEP-0080 §4.1). */
export function isStop(g: Geoloc): boolean {
  return GEOLOC_FIELD_NAMES.every((f) => g[f] === undefined);
}
