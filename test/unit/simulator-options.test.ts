import { describe, it, expect } from "vitest";
import { parseOptions, accountName, HELP } from "../../component/src/simulator/options.ts";
import { CITIES } from "../../component/src/simulator/places.ts";

const ok = (argv: string[], env = {}) => {
  const r = parseOptions(argv, env, 123);
  if (r.kind !== "ok") throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.options;
};

describe("simulator options", () => {
  it("has defaults that work against the local demo server", () => {
    const o = ok([]);
    expect(o).toMatchObject({
      count: 10,
      intervalS: 1,
      server: "xmpp://127.0.0.1:5222",
      domain: "localhost",
      service: "geo.localhost",
      prefix: "sim-",
      password: "sim",
      register: true,
      churnPerMin: 0.2,
      durationS: 0,
      seed: 123,
    });
    expect(o.area).toEqual(CITIES.berlin);
    expect(o.accessModel).toBeUndefined();
  });

  it("reads every option from the command line", () => {
    const o = ok([
      "-n",
      "1000",
      "-i",
      "0.5",
      "--city",
      "Tokyo",
      "--radius",
      "800",
      "-s",
      "xmpp://127.0.0.1:6222",
      "-d",
      "example.org",
      "--prefix",
      "bot-",
      "--password",
      "pw",
      "--no-register",
      "--churn",
      "1.5",
      "--downtime",
      "5",
      "--access-model",
      "whitelist",
      "-t",
      "60",
      "--seed",
      "42",
      "--concurrency",
      "10",
      "--timeout",
      "500",
      "--notes",
      "0",
    ]);
    expect(o).toMatchObject({
      count: 1000,
      intervalS: 0.5,
      server: "xmpp://127.0.0.1:6222",
      domain: "example.org",
      service: "geo.example.org",
      prefix: "bot-",
      password: "pw",
      register: false,
      churnPerMin: 1.5,
      downtimeS: 5,
      accessModel: "whitelist",
      durationS: 60,
      seed: 42,
      concurrency: 10,
      timeoutMs: 500,
      noteChance: 0,
    });
    expect(o.area).toEqual({ ...CITIES.tokyo, radiusM: 800 });
  });

  it("reads how publishers answer subscription requests (default allow) and refuses other policies", () => {
    expect(ok([]).authorize).toBe("allow");
    expect(ok(["--access-model", "authorize", "--authorize", "deny"])).toMatchObject({
      accessModel: "authorize",
      authorize: "deny",
    });
    const bad = parseOptions(["--authorize", "maybe"]);
    expect(bad.kind === "error" && bad.message).toContain("--authorize");
  });

  it("takes several servers, comma-separated (an ejabberd cluster's nodes), in order of preference", () => {
    expect(ok(["-s", "xmpp://127.0.0.1:6222, xmpp://127.0.0.1:7222"])).toMatchObject({
      server: "xmpp://127.0.0.1:6222",
      servers: ["xmpp://127.0.0.1:6222", "xmpp://127.0.0.1:7222"],
    });
    expect(ok([]).servers).toEqual(["xmpp://127.0.0.1:5222"]);
    const bad = parseOptions(["-s", "xmpp://127.0.0.1:6222,127.0.0.1:7222"]);
    expect(bad.kind === "error" && bad.message).toContain('"127.0.0.1:7222"');
  });

  it("takes a custom centre, without city district names", () => {
    expect(ok(["--center", "48.1, 11.58"]).area).toEqual({
      lat: 48.1,
      lon: 11.58,
      radiusM: CITIES.berlin.radiusM,
      localities: [],
    });
  });

  it("falls back to SIM_* environment variables, the command line winning", () => {
    const env = { SIM_COUNT: "7", SIM_SERVICE: "geo.test", SIM_NO_REGISTER: "1" };
    expect(ok([], env)).toMatchObject({ count: 7, service: "geo.test", register: false });
    expect(ok(["-n", "3"], env).count).toBe(3);
  });

  it("answers --help", () => {
    expect(parseOptions(["--help"])).toEqual({ kind: "help" });
    expect(HELP).toContain("--count");
    expect(HELP).toContain("--access-model");
  });

  it("explains bad values, all of them at once", () => {
    const r = parseOptions(["-n", "zero", "--center", "north", "--access-model", "secret"]);
    expect(r.kind).toBe("error");
    const msg = (r as { message: string }).message;
    expect(msg).toContain('--count "zero"');
    expect(msg).toContain('--center "north"');
    expect(msg).toContain('--access-model "secret"');
    expect(msg).toContain("--help");
  });

  it("rejects unknown options", () => {
    const r = parseOptions(["--cuont", "3"]);
    expect(r.kind).toBe("error");
  });

  it("names accounts with at least four digits", () => {
    expect(accountName("sim-", 0, 50)).toBe("sim-0001");
    expect(accountName("sim-", 12344, 20000)).toBe("sim-12345");
  });
});
