import { describe, expect, it } from "vitest";
import { parseDateTime, validateGeoloc, type GeolocEntry } from "../../component/src/core/geoloc.ts";

const NOW = Date.parse("2026-11-26T10:00:00Z");
const entries = (o: Record<string, string>): GeolocEntry[] =>
  Object.entries(o).map(([name, text]) => ({ name, text, plain: true }));

describe("XEP-0080 validation", () => {
  it("accepts the XEP-0080 §4 example (Example 1) unchanged", () => {
    const fields = {
      country: "Italy",
      lat: "45.44",
      locality: "Venice",
      lon: "12.33",
      accuracy: "20",
      timestamp: "2004-02-19T21:12Z".replace("Z", ":00Z"),
    };
    const r = validateGeoloc(entries(fields), NOW);
    expect(r).toEqual({ ok: true, geoloc: fields });
  });

  it("treats an empty <geoloc/> as 'stopped sharing' (XEP-0080 §4.1) and adds nothing", () => {
    expect(validateGeoloc([], NOW)).toEqual({ ok: true, geoloc: {} });
  });

  it("fills a missing timestamp with the receive time", () => {
    const r = validateGeoloc(entries({ lat: "1", lon: "2" }), NOW);
    expect(r.ok && r.geoloc.timestamp).toBe("2026-11-26T10:00:00Z");
  });

  it("keeps strings byte for byte and numbers in their lexical form", () => {
    const r = validateGeoloc(entries({ lat: "52.520", lon: "+13.40", text: "  Grüße 東京 🚲 " }), NOW);
    expect(r.ok && r.geoloc).toMatchObject({ lat: "52.520", lon: "+13.40", text: "  Grüße 東京 🚲 " });
  });

  it.each([
    ["lat", "90.0001"],
    ["lat", "-91"],
    ["lon", "180.1"],
    ["lat", "NaN"],
    ["lon", "Infinity"],
    ["lat", "1e3"],
    ["lat", ""],
    ["lat", "0x10"],
    ["lat", "1".repeat(40)],
    ["accuracy", "-0.1"],
    ["bearing", "360"],
    ["speed", "-3"],
  ])("refuses %s = %j", (name, text) => {
    const base: Record<string, string> = { lat: "0", lon: "0" };
    base[name] = text;
    expect(validateGeoloc(entries(base), NOW).ok).toBe(false);
  });

  it("refuses unknown, duplicated, nested and foreign-namespace children", () => {
    expect(validateGeoloc(entries({ lat: "0", lon: "0", altitude: "1" }), NOW).ok).toBe(false);
    expect(validateGeoloc([...entries({ lat: "0", lon: "0" }), { name: "lat", text: "1", plain: true }], NOW).ok).toBe(
      false,
    );
    expect(validateGeoloc([...entries({ lon: "0" }), { name: "lat", text: "1", plain: false }], NOW).ok).toBe(false);
  });

  it("refuses a fix more than a minute in the future, accepts small clock skew", () => {
    expect(validateGeoloc(entries({ lat: "0", lon: "0", timestamp: "2026-11-26T10:00:30Z" }), NOW).ok).toBe(true);
    expect(validateGeoloc(entries({ lat: "0", lon: "0", timestamp: "2026-11-26T10:02:00Z" }), NOW).ok).toBe(false);
  });

  it("parses XEP-0082 DateTimes with offsets and fractions, refuses impossible dates", () => {
    expect(parseDateTime("2026-11-26T11:00:00+01:00")).toBe(NOW);
    expect(parseDateTime("2026-11-26T10:00:00.250Z")).toBe(NOW + 250);
    expect(parseDateTime("2026-02-30T10:00:00Z")).toBeUndefined();
    expect(parseDateTime("2026-11-26 10:00:00Z")).toBeUndefined();
  });
});
