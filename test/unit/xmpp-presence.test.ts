// After a reconnect: which sessions known from before still count as online. The shell's presence handling with a
// real core (in-memory SQLite); the XML goes through the same handlePresence the component uses.
import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import type { Notification } from "../../component/src/core/model.ts";
import { GeoService, OWN_NODE } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { confirmSessions, restartVerdict } from "../../component/src/xmpp/confirm.ts";
import { dropUnconfirmed, handlePresence, type PresenceContext } from "../../component/src/xmpp/presence.ts";

describe("did the server restart while the service was away", () => {
  it("says restarted when the server is up for less time than the service was away", () => {
    expect(restartVerdict(3, 7_000)).toBe("restarted");
    expect(restartVerdict(0, 1_000)).toBe("restarted"); // up less than 1 s, away 1 s
  });
  it("says kept running when the server was up before the service lost it", () => {
    expect(restartVerdict(3_600, 7_000)).toBe("kept-running");
    expect(restartVerdict(8, 7_000)).toBe("kept-running");
  });
  it("is unsure within the uptime's one-second resolution, and when the uptime is unknown", () => {
    // a component that reconnects within a second of Prosody's start: up "0 s", away 50 ms (the pep-ingest failure)
    expect(restartVerdict(0, 50)).toBe("unsure");
    expect(restartVerdict(0, 900)).toBe("unsure");
    expect(restartVerdict(1, 1_500)).toBe("unsure");
    expect(restartVerdict(NaN, 7_000)).toBe("unsure");
  });
});

describe("sessions known from before a reconnect", () => {
  const setup = () => {
    let n = 0;
    const core = new GeoService(
      openSqliteStore(":memory:"),
      { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) },
      () => `id${++n}`,
    );
    const told: Notification[] = [];
    const ctx: PresenceContext = {
      core,
      domain: "geo.localhost",
      now: () => 1_000,
      notify: (ns) => told.push(...ns),
      send: () => {},
      announced: new Set(),
      unconfirmed: new Set(),
    };
    const fix = {
      entries: [
        { name: "lat", text: "1", plain: true },
        { name: "lon", text: "2", plain: true },
      ],
      bytes: 60,
      namespaceOk: true,
      count: 1,
    };
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
    expect(core.presenceOf("alice@localhost")?.online).toBe(false);
    expect(core.presenceOf("bob@localhost")?.online).toBe(true);
    // pat (persistent) is told; vic's temporary subscription ended with its session
    expect(
      told.map((n) => [
        n.to,
        n.event.kind === "presence" && n.event.presence.jid,
        n.event.kind === "presence" && n.event.presence.online,
      ]),
    ).toEqual([["pat@localhost", "alice@localhost", false]]);
    expect(core.subscriptionsOf("vic@localhost/map2")).toEqual({ ok: true, value: [] });
  });

  it("leaves everything as it is when nothing was known from before", () => {
    const { core, ctx, told } = setup();
    expect(dropUnconfirmed(ctx)).toBe(0);
    expect(core.availableResources().length).toBe(3);
    expect(told).toEqual([]);
  });

  const reconnect = (uptime: string | undefined, alive: Set<string>) => {
    const { core, ctx, told } = setup();
    ctx.unconfirmed = new Set(core.availableResources());
    const asked: string[] = [];
    const logs: string[] = [];
    const request = async (iq: Element) => {
      const to = String(iq.attrs.to);
      asked.push(iq.getChild("ping") ? `ping ${to}` : `last ${to}`);
      if (iq.getChild("ping")) {
        // RFC 6121 §8.5.3.1: the server answers for a gone session
        if (!alive.has(to)) throw new Error("service-unavailable");
        return xml("iq", { type: "result" });
      }
      if (uptime === undefined) throw new Error("service-unavailable");
      return xml("iq", { type: "result" }, xml("query", { xmlns: "jabber:iq:last", seconds: uptime }));
    };
    return {
      core,
      ctx,
      told,
      asked,
      logs,
      run: (awaySince: number) =>
        confirmSessions(
          { ctx, server: "localhost", request, now: () => 1_000, log: (l) => logs.push(l), current: () => true },
          awaySince,
        ),
    };
  };

  it("asks each session known from before when the uptime cannot tell, and keeps those that answer", async () => {
    const r = reconnect("0", new Set(["vic@localhost/map", "bob@localhost/phone"]));
    await r.run(950); // away 50 ms, Prosody up "0 s"
    expect(r.asked.sort()).toEqual([
      "last localhost",
      "ping alice@localhost/phone",
      "ping bob@localhost/phone",
      "ping vic@localhost/map",
    ]);
    expect(r.core.availableResources().sort()).toEqual(["bob@localhost/phone", "vic@localhost/map"]);
    // still subscribed
    expect(r.core.subscriptionsOf("vic@localhost/map")).toMatchObject({ ok: true, value: [{ node: "presence" }] });
    // alice went offline; vic still watches
    expect(r.told.map((n) => n.to).sort()).toEqual(["pat@localhost", "vic@localhost/map"]);
    expect(r.logs).toEqual([
      expect.stringContaining(
        "asked the 3 sessions known from before (XEP-0199 ping); 2 answered and stay online, 1 are offline now",
      ),
    ]);
  });

  it("asks the sessions when the server does not say its uptime", async () => {
    const r = reconnect(undefined, new Set(["alice@localhost/phone"]));
    await r.run(-9_000);
    expect(r.core.availableResources()).toEqual(["alice@localhost/phone"]);
  });

  it("asks nobody when the uptime decides", async () => {
    const restarted = reconnect("1", new Set());
    await restarted.run(-9_000); // away 10 s, up 1 s
    expect(restarted.asked).toEqual(["last localhost"]);
    expect(restarted.core.availableResources()).toEqual([]);
    const kept = reconnect("3600", new Set());
    await kept.run(-9_000);
    expect(kept.asked).toEqual(["last localhost"]);
    expect(kept.core.availableResources().length).toBe(3);
  });

  it(
    "after a restart of the service, " +
      "asks the sessions of stored temporary subscriptions and keeps those that answer",
    async () => {
      const store = openSqliteStore(":memory:");
      const settings = { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) };
      const first = new GeoService(store, settings, () => "s1");
      first.presence("vic@localhost/map", true, undefined, 0, 0);
      first.presence("eve@localhost/tab", true, undefined, 0, 0);
      first.subscribe("vic@localhost/map", "locations", "vic@localhost/map");
      first.subscribe("eve@localhost/tab", "presence", "eve@localhost/tab");
      await store.durable();
      // the next run loads both as temporary, with no session known: vic's tab is still open, eve's closed meanwhile
      const core = new GeoService(store, settings, () => "s2");
      expect(core.unconfirmedTemporary().sort()).toEqual(["eve@localhost/tab", "vic@localhost/map"]);
      const ctx: PresenceContext = {
        core,
        domain: "geo.localhost",
        now: () => 1_000,
        notify: () => {},
        send: () => {},
        announced: new Set(),
        unconfirmed: new Set(core.unconfirmedTemporary()),
      };
      const logs: string[] = [];
      const request = async (iq: Element) => {
        if (iq.attrs.to !== "vic@localhost/map") throw new Error("service-unavailable");
        return xml("iq", { type: "result" });
      };
      await confirmSessions(
        { ctx, server: "localhost", request, now: () => 1_000, log: (l) => logs.push(l), current: () => true },
        undefined,
      );
      expect(core.subscriptionsOf("vic@localhost/map")).toMatchObject({
        ok: true,
        value: [{ node: "locations", temporary: true }],
      });
      expect(core.subscriptionsOf("eve@localhost/tab")).toEqual({ ok: true, value: [] });
      expect(core.availableResources()).toEqual(["vic@localhost/map"]); // so that its session's end ends it (§12.5)
      expect(core.unconfirmedTemporary()).toEqual([]);
      expect(logs).toEqual([
        "temporary subscriptions from the last run: asked their 2 sessions (XEP-0199 ping); " +
          "1 answered and keep them, 1 ended",
      ]);
    },
  );
});
