// The pure core with an in-memory SQLite store: decisions as values, no XML, no network.
import { describe, expect, it } from "vitest";
import { formOf } from "../../component/src/protocol/node-config.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { GeoService, OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

const make = () => {
  let n = 0;
  return new GeoService(new MemoryStore(), { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) }, () => `id${++n}`);
};
const fix = (lat: number, lon: number, extra: Record<string, string> = {}): PublishRequest => ({
  node: OWN_NODE,
  payload: {
    entries: Object.entries({ lat: String(lat), lon: String(lon), ...extra }).map(([name, text]) => ({
      name,
      text,
      plain: true,
    })),
    bytes: 100,
    namespaceOk: true,
    count: 1,
  },
});

describe("the core", () => {
  it("stamps publisher with the bare JID of the sender (XEP-0060 §7.1.2.3 example: publisher = bare JID)", () => {
    const svc = make();
    svc.subscribe("hamlet@localhost/elsinore", "locations", "hamlet@localhost/elsinore");
    const r = svc.publish("alice@localhost/phone", fix(1, 2), 0);
    expect(r.ok && r.value.notifications).toEqual([
      {
        to: "hamlet@localhost/elsinore",
        event: {
          kind: "item",
          node: "alice@localhost",
          item: expect.objectContaining({ publisher: "alice@localhost", id: "id2" }),
        },
      },
    ]);
  });

  it("notifies a viewer subscribed both to the node and to locations once", () => {
    const svc = make();
    svc.publish("alice@localhost/phone", fix(1, 2), 0);
    svc.subscribe("bob@localhost/web", "alice@localhost", "bob@localhost/web");
    svc.subscribe("bob@localhost/web", "locations", "bob@localhost/web");
    const r = svc.publish("alice@localhost/phone", fix(3, 4), 1);
    expect(r.ok && r.value.notifications.map((n) => n.to)).toEqual(["bob@localhost/web"]);
  });

  it("changes nothing on an error", () => {
    const svc = make();
    svc.publish("alice@localhost/phone", fix(1, 2), 0);
    const before = JSON.stringify(svc.items("alice@localhost", "alice@localhost", undefined, undefined));
    const r = svc.publish("alice@localhost/phone", fix(100, 2), 1);
    expect(r).toMatchObject({ ok: false, error: { condition: "bad-request", pubsub: "invalid-payload" } });
    expect(JSON.stringify(svc.items("alice@localhost", "alice@localhost", undefined, undefined))).toBe(before);
  });

  it("hides a whitelist node from non-members on every read path, as if it did not exist", () => {
    const svc = make();
    svc.publish("alice@localhost/phone", { ...fix(1, 2), options: formOf({ "pubsub#access_model": "whitelist" }) }, 0);
    svc.presence("alice@localhost/phone", true, undefined, 0, 0);
    expect(svc.view("eve@localhost", "alice@localhost")).toBeUndefined();
    expect(svc.items("eve@localhost", "alice@localhost", undefined, undefined)).toEqual(
      svc.items("eve@localhost", "nobody@localhost", undefined, undefined),
    );
    expect(svc.items("eve@localhost", "locations", undefined, undefined)).toEqual({ ok: true, value: [] });
    expect(svc.items("eve@localhost", "presence", undefined, undefined)).toEqual({ ok: true, value: [] });
    expect(svc.subscribe("eve@localhost/x", "alice@localhost", "eve@localhost/x")).toMatchObject({
      ok: false,
      error: { condition: "item-not-found" },
    });
    svc.subscribe("eve@localhost/x", "locations", "eve@localhost/x");
    svc.subscribe("eve@localhost/x", "presence", "eve@localhost/x");
    const r = svc.publish("alice@localhost/phone", fix(2, 3), 1);
    expect(r.ok && r.value.notifications).toEqual([]);
    expect(svc.presence("alice@localhost/phone", false, undefined, 0, 2).notifications).toEqual([]);
    svc.setAffiliations("alice@localhost", "alice@localhost", [{ jid: "eve@localhost", affiliation: "member" }]);
    expect(svc.view("eve@localhost", "alice@localhost")?.kind).toBe("personal");
  });

  it("orders a publisher's location and presence events as processed", () => {
    const svc = make();
    svc.subscribe("v@localhost/w", "locations", "v@localhost/w");
    svc.subscribe("v@localhost/w", "presence", "v@localhost/w");
    const kinds: string[] = [];
    const a = svc.publish("p@localhost/r", fix(1, 1), 0);
    if (a.ok) kinds.push(...a.value.notifications.map((n) => n.event.kind));
    kinds.push(...svc.presence("p@localhost/r", true, undefined, 0, 1).notifications.map((n) => n.event.kind));
    const b = svc.publish("p@localhost/r", fix(2, 2), 2);
    if (b.ok) kinds.push(...b.value.notifications.map((n) => n.event.kind));
    kinds.push(...svc.presence("p@localhost/r", false, undefined, 0, 3).notifications.map((n) => n.event.kind));
    expect(kinds).toEqual(["item", "presence", "item", "presence"]);
  });

  it("ends temporary subscriptions of a resource that goes offline (XEP-0060 §12.5)", () => {
    const svc = make();
    svc.presence("v@localhost/tab", true, undefined, 0, 0);
    const r = svc.subscribe("v@localhost/tab", "locations", "v@localhost/tab");
    expect(r.ok && r.value.subscription.temporary).toBe(true);
    svc.presence("v@localhost/tab", false, undefined, 0, 1);
    expect(svc.subscribers("locations")).toEqual([]);
  });
});
