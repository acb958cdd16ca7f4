// The authorize access model and the publish rate limit in the pure core (XEP-0060 §4.5, §6.1.6, §8.6).
import { describe, expect, it } from "vitest";
import { formOf } from "../../component/src/protocol/node-config.ts";
import { GeoService, OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../component/src/core/state.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

const make = (s: Partial<Settings> = {}) => {
  let n = 0;
  return new GeoService(
    new MemoryStore(),
    { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]), ...s },
    () => `id${++n}`,
  );
};
const fix = (lat: number, lon: number, accessModel?: string): PublishRequest => ({
  node: OWN_NODE,
  payload: {
    entries: [
      { name: "lat", text: String(lat), plain: true },
      { name: "lon", text: String(lon), plain: true },
    ],
    bytes: 50,
    namespaceOk: true,
    count: 1,
  },
  ...(accessModel && { options: formOf({ "pubsub#access_model": accessModel }) }),
});

describe("the authorize access model", () => {
  const setup = () => {
    const svc = make();
    svc.publish("pat@localhost/phone", fix(1, 2, "authorize"), 0);
    svc.subscribe("val@localhost/map", "presence", "val@localhost/map");
    return svc;
  };

  it("answers pending and asks the owner with the subid, without showing the node", () => {
    const svc = setup();
    const r = svc.subscribe("val@localhost/map", "pat@localhost", "val@localhost/map");
    expect(r.ok && r.value.state).toBe("pending");
    expect(r.ok && r.value.notifications).toEqual([
      {
        to: "pat@localhost",
        event: {
          kind: "authorization-request",
          node: "pat@localhost",
          jid: "val@localhost/map",
          subid: r.ok && r.value.subscription.subid,
        },
      },
    ]);
    expect(svc.items("val@localhost/map", "pat@localhost", undefined, undefined).ok).toBe(false);
    // asking again: still pending, same subid, and the owner is not messaged again
    const again = svc.subscribe("val@localhost/map", "pat@localhost", "val@localhost/map");
    expect(again.ok && [again.value.state, again.value.subscription.subid, again.value.notifications]).toEqual([
      "pending",
      r.ok && r.value.subscription.subid,
      [],
    ]);
    expect(svc.items("val@localhost/map", "locations", undefined, undefined)).toEqual({ ok: true, value: [] });
  });

  it("on approval: subscribed, the last item, and the publisher appears in locations", () => {
    const svc = setup();
    const r = svc.subscribe("val@localhost/map", "pat@localhost", "val@localhost/map");
    const subid = r.ok ? r.value.subscription.subid : "";
    const a = svc.answerAuthorization("pat@localhost/phone", {
      node: "pat@localhost",
      jid: "val@localhost/map",
      subid,
      allow: true,
    });
    expect(a.ok && a.value.notifications.map((n) => n.event.kind)).toEqual(["subscription", "item"]);
    const items = svc.items("val@localhost/other", "locations", undefined, undefined);
    expect(items.ok && items.value.length).toBe(1);
    expect(svc.node("pat@localhost")!.affiliations.get("val@localhost")).toBe("member");
  });

  it("on denial: told none, and nothing becomes visible", () => {
    const svc = setup();
    svc.subscribe("val@localhost/map", "pat@localhost", "val@localhost/map");
    const a = svc.answerAuthorization("pat@localhost", {
      node: "pat@localhost",
      jid: "val@localhost/map",
      allow: false,
    });
    expect(a.ok && a.value.notifications).toEqual([
      {
        to: "val@localhost/map",
        event: { kind: "subscription", node: "pat@localhost", jid: "val@localhost/map", state: "none" },
      },
    ]);
    expect(svc.items("val@localhost/map", "locations", undefined, undefined)).toEqual({ ok: true, value: [] });
    // the request is gone: answering again is an error
    expect(
      svc.answerAuthorization("pat@localhost", { node: "pat@localhost", jid: "val@localhost/map", allow: true }).ok,
    ).toBe(false);
  });

  it("accepts an answer only from the owner", () => {
    const svc = setup();
    svc.subscribe("val@localhost/map", "pat@localhost", "val@localhost/map");
    const a = svc.answerAuthorization("val@localhost/map", {
      node: "pat@localhost",
      jid: "val@localhost/map",
      allow: true,
    });
    expect(a.ok).toBe(false);
    expect(a.ok || a.error.condition).toBe("item-not-found"); // val may not see the node: it does not exist for val
  });

  it("does not let an outcast ask", () => {
    const svc = setup();
    svc.setAffiliations("pat@localhost", "pat@localhost", [{ jid: "val@localhost", affiliation: "outcast" }]);
    const r = svc.subscribe("val@localhost/map", "pat@localhost", "val@localhost/map");
    expect(r.ok || r.error.condition).toBe("item-not-found");
  });
});

describe("the publish rate limit", () => {
  it("refuses a publisher over its rate with policy-violation type wait, per publisher, and recovers", () => {
    const svc = make({ rate: { perSecond: 1, burst: 2 } });
    expect(svc.publish("pat@localhost", fix(1, 1), 0).ok).toBe(true);
    expect(svc.publish("pat@localhost", fix(1, 1), 0).ok).toBe(true);
    const r = svc.publish("pat@localhost/other", fix(1, 1), 10);
    expect(r.ok || r.error).toEqual({
      condition: "policy-violation",
      type: "wait",
      text: "rate limit: at most 1 publishes per second (burst 2); retry in 990 ms",
    });
    expect(svc.publish("val@localhost", fix(1, 1), 10).ok).toBe(true); // another publisher is not affected
    expect(svc.publish("pat@localhost", fix(1, 1), 1000).ok).toBe(true);
  });
});
