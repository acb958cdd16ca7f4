// The run contract's abuse limits and access models: environment, flags (flags win), defaults, refusals.
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, type Config } from "../../component/src/config.ts";

const read = (argv: string[], env: Record<string, string> = {}) =>
  readConfig(argv, { GEO_SECRET: "s", ...env }) as Config;

describe("configuration", () => {
  it("defaults to 10 publishes per second, burst 20, payload cap 8192", () => {
    const c = read([]).settings;
    expect(c.rate).toEqual({ perSecond: 10, burst: 20 });
    expect(c.maxPayloadBytes).toBe(8192);
  });

  it("reads the rate, burst and payload cap from the environment, and flags win", () => {
    expect(read([], { GEO_RATE: "3", GEO_BURST: "7", GEO_MAX_PAYLOAD: "1024" }).settings).toMatchObject({
      rate: { perSecond: 3, burst: 7 },
      maxPayloadBytes: 1024,
    });
    expect(
      read(["--rate", "0", "--burst", "1", "--max-payload", "512"], { GEO_RATE: "3", GEO_MAX_PAYLOAD: "1024" })
        .settings,
    ).toMatchObject({ rate: { perSecond: 0, burst: 1 }, maxPayloadBytes: 512 });
  });

  it("refuses a malformed limit with a message naming the variable", () => {
    expect(() => read([], { GEO_RATE: "fast" })).toThrow(ConfigError);
    expect(() => read([], { GEO_RATE: "fast" })).toThrow(/GEO_RATE/);
    expect(() => read([], { GEO_BURST: "0" })).toThrow(/GEO_BURST/);
    expect(() => read([], { GEO_MAX_PAYLOAD: "10" })).toThrow(/GEO_MAX_PAYLOAD/);
  });

  it("accepts authorize as the default access model", () => {
    expect(read([], { GEO_ACCESS_MODEL: "authorize" }).settings.defaults.accessModel).toBe("authorize");
    expect(() => read([], { GEO_ACCESS_MODEL: "roster" })).toThrow(/open, whitelist or authorize/);
  });
});
