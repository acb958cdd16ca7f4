import { describe, expect, it } from "vitest";
import { readConfig } from "../../client-web/src/config.ts";
import { describeError } from "../../client-web/src/xmpp/connection.ts";

describe("the map's settings", () => {
  it("defaults to the local demo", () => {
    expect(readConfig("")).toMatchObject({ websocket: "ws://localhost:5280/xmpp-websocket", service: "geo.localhost", autologin: false, tiles: "", staleAfterMs: 120_000 });
  });

  it("takes overrides from the query string and logs in at once with a JID and a password", () => {
    const c = readConfig("?ws=ws%3A%2F%2F127.0.0.1%3A5281%2Fxmpp-websocket&service=geo.example.org&jid=v%40example.org&password=pw&stale=30&tiles=https%3A%2F%2Ft%2F%7Bz%7D%2F%7Bx%7D%2F%7By%7D.png");
    expect(c).toMatchObject({ websocket: "ws://127.0.0.1:5281/xmpp-websocket", service: "geo.example.org", jid: "v@example.org", autologin: true, staleAfterMs: 30_000, tiles: "https://t/{z}/{x}/{y}.png" });
  });

  it("ignores a nonsensical stale threshold", () => {
    expect(readConfig("?stale=-5").staleAfterMs).toBe(120_000);
  });
});

describe("error reasons", () => {
  it("names a failed login and a stanza error", () => {
    expect(describeError(Object.assign(new Error("x"), { name: "SASLError", condition: "not-authorized" }))).toBe("login failed: not-authorized");
    expect(describeError({ condition: "forbidden", text: "not yours" })).toBe("forbidden: not yours");
    expect(describeError(new Error("boom"))).toBe("boom");
  });
});
