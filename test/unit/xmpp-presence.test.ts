// After a reconnect: which sessions known from before still count as online. The shell's presence handling with a
// real core (in-memory SQLite); the XML goes through the same handlePresence the component uses.
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import type { Notification } from "../../component/src/core/model.ts";
import { GeoService, OWN_NODE } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { dropUnconfirmed, handlePresence, serverRestarted, type PresenceContext } from "../../component/src/xmpp/presence.ts";

describe("did the server restart while the service was away", () => {
  it("says yes when the server is up for less time than the service was away", () => {
    expect(serverRestarted(3, 7_000)).toBe(true);
    expect(serverRestarted(0, 900)).toBe(true); // up 0.9 s at most, answered in whole seconds
  });
  it("says no when the server was up before the service lost it", () => {
    expect(serverRestarted(3_600, 7_000)).toBe(false);
    expect(serverRestarted(8, 7_000)).toBe(false);
  });
  it("says yes when the uptime is unknown, so that an ended session never stays online", () => {
    expect(serverRestarted(NaN, 7_000)).toBe(true);
  });
});

describe("sessions known from before a reconnect", () => {
  const setup = () => {
    let n = 0;
    const core = new GeoService(openSqliteStore(":memory:"), { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) }, () => `id${++n}`);
    const told: Notification[] = [];
    const ctx: PresenceContext = { core, domain: "geo.localhost", now: () => 1_000, notify: (ns) => told.push(...ns), send: () => {}, announced: new Set(), unconfirmed: new Set() };
    const fix = { entries: [{ name: "lat", text: "1", plain: true }, { name: "lon", text: "2", plain: true }], bytes: 60, namespaceOk: true, count: 1 };
    for (const who of ["alice", "bob"]) {
      core.publish(`${who}@localhost/phone`, { node: OWN_NODE, payload: fix }, 0);
      handlePresence(ctx, xml("presence", { from: `${who}@localhost/phone`, to: "geo.localhost" }));
    }
    core.subscribe("pat@localhost", "presence", "pat@localhost"); // persistent
    handlePresence(ctx, xml("presence", { from: "vic@localhost/map", to: "geo.localhost" }));
    core.subscribe("vic@localhost/map", "presence", "vic@localhost/map"); // temporary: vic/map is available (§12.5)
    told.length = 0;
    return { core, ctx, told };
  };

  it("takes offline those not heard from again, tells the viewers, and ends their temporary subscriptions", () => {
    const { core, ctx, told } = setup();
    ctx.unconfirmed = new Set(core.availableResources());
    expect([...ctx.unconfirmed].sort()).toEqual(["alice@localhost/phone", "bob@localhost/phone", "vic@localhost/map"]);
    // bob's session came back with the same full JID and said so; alice's and vic's did not
    handlePresence(ctx, xml("presence", { from: "bob@localhost/phone", to: "geo.localhost" }));
    expect(dropUnconfirmed(ctx)).toBe(2);
    expect(ctx.unconfirmed.size).toBe(0);
    expect(core.availableResources()).toEqual(["bob@localhost/phone"]);
    expect(core.state.presence.get("alice@localhost")?.online).toBe(false);
    expect(core.state.presence.get("bob@localhost")?.online).toBe(true);
    // pat (persistent) is told; vic's temporary subscription ended with its session
    expect(told.map((n) => [n.to, n.event.kind === "presence" && n.event.presence.jid, n.event.kind === "presence" && n.event.presence.online]))
      .toEqual([["pat@localhost", "alice@localhost", false]]);
    expect(core.subscriptionsOf("vic@localhost/map2")).toEqual({ ok: true, value: [] });
  });

  it("leaves everything as it is when nothing was known from before", () => {
    const { core, ctx, told } = setup();
    expect(dropUnconfirmed(ctx)).toBe(0);
    expect(core.availableResources().length).toBe(3);
    expect(told).toEqual([]);
  });
});
