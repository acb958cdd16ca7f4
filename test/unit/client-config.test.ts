import { describe, expect, it } from "vitest";
import { formatHash, parseHash } from "../../client-web/src/app/hash.ts";
import { ConfigError, parseConfig } from "../../client-web/src/config.ts";
import { completeJid } from "../../client-web/src/map/login.ts";
import { describeError, explainLoginError, explainServiceError } from "../../client-web/src/xmpp/connection.ts";

const page = { protocol: "https:", host: "map.example.org" };

describe("the map's settings (config.json)", () => {
  it("completes a minimal config: same-origin WebSocket, offline basemap, the defaults", () => {
    expect(parseConfig({ service: "geo.example.org" }, page)).toEqual({
      websocket: "wss://map.example.org/xmpp-websocket",
      service: "geo.example.org",
      domain: "",
      basemap: { type: "offline" },
      staleAfterMs: 120_000,
      trailLength: 50,
      digestMs: 250,
      followView: true,
      demo: undefined,
    });
    expect(parseConfig({ service: "geo.localhost" }, { protocol: "http:", host: "localhost:5280" }).websocket).toBe(
      "ws://localhost:5280/xmpp-websocket",
    );
  });

  it("takes followView, and refuses a followView that is not a boolean", () => {
    expect(parseConfig({ service: "geo.example.org", followView: false }, page).followView).toBe(false);
    expect(() => parseConfig({ service: "geo.example.org", followView: "no" }, page)).toThrow(
      /"followView" must be true or false/,
    );
  });

  it("takes every field", () => {
    const c = parseConfig(
      {
        websocket: "ws://127.0.0.1:5281/xmpp-websocket",
        service: "geo.example.org",
        domain: "example.org",
        basemap: { type: "tiles", url: "https://t/{z}/{x}/{y}.png", attribution: "© OSM" },
        staleAfterSeconds: 30,
        trailLength: 10,
        digestMs: 1000,
        demo: { jid: "viewer@localhost", password: "viewer" },
      },
      page,
    );
    expect(c).toMatchObject({
      websocket: "ws://127.0.0.1:5281/xmpp-websocket",
      domain: "example.org",
      staleAfterMs: 30_000,
      trailLength: 10,
      digestMs: 1000,
      basemap: { type: "tiles", url: "https://t/{z}/{x}/{y}.png", attribution: "© OSM" },
      demo: { jid: "viewer@localhost", password: "viewer" },
    });
    expect(parseConfig({ service: "s", basemap: { type: "pmtiles", url: "basemap.pmtiles" } }, page).basemap).toEqual({
      type: "pmtiles",
      url: "basemap.pmtiles",
      attribution: "",
      maxZoom: undefined,
    });
  });

  it("refuses what it cannot use, saying which field", () => {
    expect(() => parseConfig({}, page)).toThrow(/"service"/);
    expect(() => parseConfig({ service: "s", staleAfterSeconds: -5 }, page)).toThrow(/staleAfterSeconds/);
    expect(() => parseConfig({ service: "s", basemap: { type: "tiles", url: "https://t/x.png" } }, page)).toThrow(
      /\{z\}/,
    );
    expect(() => parseConfig({ service: "s", basemap: { type: "wms" } }, page)).toThrow(ConfigError);
    expect(() => parseConfig([], page)).toThrow(ConfigError);
  });
});

describe("the view in the URL hash", () => {
  it("round-trips center, zoom and selection", () => {
    const h = formatHash({ center: { lat: 52.520008, lon: 13.404954, zoom: 13 }, selected: "alice@localhost" });
    expect(h).toBe("#map=13/52.5200/13.4050&sel=alice@localhost");
    expect(parseHash(h)).toEqual({ center: { lat: 52.52, lon: 13.405, zoom: 13 }, selected: "alice@localhost" });
  });

  it("ignores what is not a view", () => {
    expect(parseHash("#map=13/95/10&sel=nobody")).toEqual({});
    expect(parseHash("")).toEqual({});
    expect(parseHash("#password=x")).toEqual({});
  });
});

describe("the login", () => {
  it("completes a bare name with the user domain", () => {
    expect(completeJid("alice", "example.org")).toBe("alice@example.org");
    expect(completeJid("alice@other.org", "example.org")).toBe("alice@other.org");
    expect(completeJid("alice", "")).toBe("alice");
  });
});

describe("error reasons", () => {
  it("names a failed login and a stanza error", () => {
    expect(describeError(Object.assign(new Error("x"), { name: "SASLError", condition: "not-authorized" }))).toBe(
      "login failed: not-authorized",
    );
    expect(describeError({ condition: "forbidden", text: "not yours" })).toBe("forbidden: not yours");
    expect(describeError(new Error("boom"))).toBe("boom");
  });

  it("tells a person what to do", () => {
    expect(
      explainLoginError(Object.assign(new Error("x"), { name: "SASLError", condition: "not-authorized" }), "ws://h"),
    ).toMatch(/^Wrong JID or password/);
    expect(
      explainLoginError(Object.assign(new Error("WebSocket ECONNERROR ws://h"), { name: "ConnectionError" }), "ws://h"),
    ).toMatch(/^Cannot reach the server at ws:\/\/h/);
    expect(explainServiceError({ condition: "service-unavailable" }, "geo.x")).toMatch(/geo.x is not there/);
    expect(explainServiceError({ condition: "forbidden" }, "geo.x")).toMatch(/refuses this account/);
  });
});

describe("subscription options (XEP-0060 §6.3)", () => {
  it("writes the area as south,west,north,east, clamped to the world", async () => {
    const { bbox } = await import("../../client-web/src/xmpp/subscribe.ts");
    expect(bbox({ south: 52.123456, west: 13.1, north: 52.9, east: 13.7 })).toBe("52.1235,13.1,52.9,13.7");
    expect(bbox({ south: -100, west: -500, north: 100, east: 500 })).toBe("-90,-180,90,180");
  });

  it("builds subscribe-and-configure and an options set with the FORM_TYPE first", async () => {
    const { optionsSet, subscribeRequest } = await import("../../client-web/src/xmpp/subscribe.ts");
    expect(subscribeRequest("presence", "v@localhost/map").toString()).toBe(
      `<pubsub xmlns="http://jabber.org/protocol/pubsub"><subscribe node="presence" jid="v@localhost/map"/></pubsub>`,
    );
    const options = subscribeRequest("locations", "v@localhost/map", { digestMs: 250, bbox: "1,2,3,4" }).getChild(
      "options",
    )!;
    expect(options.attrs).toEqual({}); // XEP-0060 §6.3.7: no node or jid next to the <subscribe/>
    const form = options.getChild("x")!;
    expect(form.attrs).toEqual({ xmlns: "jabber:x:data", type: "submit" });
    expect(form.getChildren("field").map((f) => [f.attrs.var, f.getChildText("value")])).toEqual([
      ["FORM_TYPE", "http://jabber.org/protocol/pubsub#subscribe_options"],
      ["pubsub#digest", "1"],
      ["pubsub#digest_frequency", "250"],
      ["geo#bbox", "1,2,3,4"],
    ]);
    expect(optionsSet("locations", "v@localhost/map", "s1", { bbox: "1,2,3,4" }).getChild("options")!.attrs).toEqual({
      node: "locations",
      jid: "v@localhost/map",
      subid: "s1",
    });
  });
});
