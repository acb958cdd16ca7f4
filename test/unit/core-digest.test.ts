// Digests (XEP-0060 §6.3 pubsub#digest): conflation, what is never conflated away, periods, access, options.
import { describe, expect, it } from "vitest";
import { Digests } from "../../component/src/core/digest.ts";
import type { Notification } from "../../component/src/core/model.ts";
import { formOf } from "../../component/src/protocol/node-config.ts";
import { GeoService, OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

const V = "val@localhost/map";
const make = () => {
  let n = 0;
  const svc = new GeoService(
    new MemoryStore(),
    { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) },
    () => `id${++n}`,
  );
  return { svc, digests: new Digests(svc) };
};
const fix = (lat: number, id?: string): PublishRequest => ({
  node: OWN_NODE,
  ...(id && { itemId: id }),
  payload: {
    entries: [
      { name: "lat", text: String(lat), plain: true },
      { name: "lon", text: "0", plain: true },
    ],
    bytes: 50,
    namespaceOk: true,
    count: 1,
  },
});
const stop = (id?: string): PublishRequest => ({
  node: OWN_NODE,
  ...(id && { itemId: id }),
  payload: { entries: [], bytes: 50, namespaceOk: true, count: 1 },
});
const form = (f: Record<string, string>) => ({
  FORM_TYPE: "http://jabber.org/protocol/pubsub#subscribe_options",
  ...f,
});
const DIGEST = form({ "pubsub#digest": "true", "pubsub#digest_frequency": "1000" });

/** what a viewer reads from a list of notifications */
const read = (ns: Notification[]) =>
  ns.map((n) => {
    const e = n.event;
    switch (e.kind) {
      case "item":
        return `${e.node}: ${e.item.publisher} ${e.item.id} ${e.item.geoloc.lat ?? "stop"}`;
      case "retract":
        return `${e.node}: -${e.ids.join(",")}`;
      case "presence":
        return `presence: ${e.presence.jid} ${e.presence.online ? "on" : "off"}`;
      default:
        return `${e.kind} ${"node" in e ? e.node : ""}`.trim();
    }
  });
const pub = (svc: GeoService, who: string, req: PublishRequest, now = 0) => {
  const r = svc.publish(`${who}@localhost/p`, req, now);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.notifications;
};

describe("digests", () => {
  it("keeps the newest item per publisher, one <items node='locations'> per period", () => {
    const { svc, digests } = make();
    expect(svc.subscribe(V, "locations", V, DIGEST).ok).toBe(true);
    const routed = [pub(svc, "a", fix(1, "a1")), pub(svc, "b", fix(2, "b1")), pub(svc, "a", fix(3, "a2"))].map(
      (n) => digests.route(n).now,
    );
    expect(routed.flat()).toEqual([]);
    expect(digests.nextDue()).toBe(-Infinity); // a quiet spell before: the next tick sends it
    expect(read(digests.due(10))).toEqual(["locations: a@localhost a2 3", "locations: b@localhost b1 2"]);
    digests.route(pub(svc, "a", fix(4, "a3")));
    expect(digests.nextDue()).toBe(1010);
    expect(digests.due(500)).toEqual([]);
    expect(read(digests.due(1010))).toEqual(["locations: a@localhost a3 4"]);
  });

  it("never loses a stop-sharing, a retraction or a deletion in the period", () => {
    const { svc, digests } = make();
    for (const w of ["a", "b", "c", "d"]) pub(svc, w, fix(0, `${w}0`));
    svc.subscribe(V, "locations", V, DIGEST);
    digests.route(pub(svc, "a", stop("a1")));
    digests.route(pub(svc, "a", fix(5, "a2")));
    digests.route(pub(svc, "b", fix(6, "b1")));
    const r = svc.retract("b@localhost", "b@localhost", ["b1", "b0"]);
    if (!r.ok) throw new Error("retract");
    digests.route(r.value.notifications);
    const d = svc.deleteNode("c@localhost", "c@localhost");
    if (!d.ok) throw new Error("delete");
    digests.route(d.value.notifications);
    digests.route(pub(svc, "d", fix(7, "x")));
    digests.route(pub(svc, "d", stop("y")));
    expect(read(digests.due(0))).toEqual([
      "delete c@localhost",
      "b@localhost: -b1,b0",
      "locations: a@localhost a1 stop",
      "locations: a@localhost a2 5",
      "locations: d@localhost y stop",
    ]);
  });

  it("keeps the newest presence per publisher", () => {
    const { svc, digests } = make();
    pub(svc, "a", fix(1));
    svc.subscribe(V, "presence", V, DIGEST);
    digests.route(svc.presence("a@localhost/p", true, undefined, 0, 1).notifications);
    digests.route(svc.presence("a@localhost/p", false, undefined, 0, 2).notifications);
    expect(read(digests.due(5))).toEqual(["presence: a@localhost off"]);
  });

  it("leaves out a publisher the viewer may no longer see, and ends with the subscription", () => {
    const { svc, digests } = make();
    pub(svc, "a", fix(1));
    svc.subscribe(V, "locations", V, DIGEST);
    digests.route(pub(svc, "a", fix(2)));
    const c = svc.configure("a@localhost", "a@localhost", formOf({ "pubsub#access_model": "whitelist" }), 0);
    expect(c.ok).toBe(true);
    expect(digests.due(0)).toEqual([]);
    digests.route(pub(svc, "b", fix(3)));
    expect(svc.unsubscribe(V, "locations", V).ok).toBe(true);
    expect(digests.due(5000)).toEqual([]);
  });

  it("delivers nothing with pubsub#deliver false, and flushes at once when the digest is turned off", () => {
    const { svc, digests } = make();
    svc.subscribe(V, "locations", V, form({ "pubsub#deliver": "0" }));
    expect(digests.route(pub(svc, "a", fix(1))).now).toEqual([]);
    expect(digests.due(0)).toEqual([]);
    expect(svc.setOptions(V, "locations", V, undefined, { ...DIGEST, "pubsub#deliver": "1" }).ok).toBe(true);
    digests.route(pub(svc, "a", fix(2)));
    expect(read(digests.due(0))).toHaveLength(1);
    digests.route(pub(svc, "a", fix(3, "late")));
    expect(digests.due(1)).toEqual([]); // within the period
    expect(svc.setOptions(V, "locations", V, undefined, form({ "pubsub#digest": "false" })).ok).toBe(true);
    expect(read(digests.due(2))).toEqual(["locations: a@localhost late 3"]);
    expect(digests.route(pub(svc, "a", fix(4))).now).toHaveLength(1); // live again
  });

  it("a temporary subscription that ends takes what it gathered with it (XEP-0060 §12.5)", () => {
    const { svc, digests } = make();
    svc.presence(V, true, undefined, 0, 0); // the viewer's session is available: its subscription is temporary
    const s = svc.subscribe(V, "locations", V, DIGEST);
    expect(s.ok && s.value.subscription.temporary).toBe(true);
    digests.route(pub(svc, "a", fix(1)));
    expect(read(digests.due(0))).toHaveLength(1);
    digests.route(pub(svc, "a", fix(2)));
    svc.presence(V, false, undefined, 0, 5);
    expect(digests.due(5000)).toEqual([]);
    expect(digests.nextDue()).toBeUndefined();
  });

  it("frequency 0 asks for the next turn", () => {
    const { svc, digests } = make();
    svc.subscribe(V, "locations", V, form({ "pubsub#digest": "1", "pubsub#digest_frequency": "0" }));
    expect(digests.route(pub(svc, "a", fix(1))).immediate).toBe(true);
    expect(read(digests.due(0))).toHaveLength(1);
    digests.route(pub(svc, "a", fix(2)));
    expect(read(digests.due(0))).toHaveLength(1);
  });
});

describe("subscription options", () => {
  it("shows the current values and refuses a bad value or an unknown option, changing nothing", () => {
    const { svc } = make();
    svc.subscribe(V, "locations", V, DIGEST);
    const shown = (): unknown => {
      const g = svc.getOptions(V, "locations", V);
      return g.ok && g.value.options;
    };
    expect(shown()).toEqual({ deliver: true, digest: true, digestFrequency: 1000 });
    const bad = svc.setOptions(
      V,
      "locations",
      V,
      undefined,
      form({ "pubsub#digest": "false", "pubsub#digest_frequency": "-5" }),
    );
    expect(!bad.ok && bad.error).toMatchObject({ condition: "bad-request", pubsub: "invalid-options" });
    const unknown = svc.setOptions(
      V,
      "locations",
      V,
      undefined,
      form({ "pubsub#digest": "false", "pubsub#show-values": "away" }),
    );
    expect(!unknown.ok && unknown.error.condition).toBe("not-acceptable");
    const atSubscribe = svc.subscribe(V, "presence", V, form({ "pubsub#digest": "yes" }));
    expect(!atSubscribe.ok && atSubscribe.error.condition).toBe("bad-request");
    expect(svc.subscribers("presence")).toEqual([]);
    expect(shown()).toEqual({ deliver: true, digest: true, digestFrequency: 1000 });
    const wrongSubid = svc.getOptions(V, "locations", V, "nope");
    expect(!wrongSubid.ok && wrongSubid.error).toMatchObject({ condition: "not-acceptable", pubsub: "invalid-subid" });
    const notSubscribed = svc.getOptions(V, "presence", V);
    expect(!notSubscribed.ok && notSubscribed.error).toMatchObject({
      condition: "unexpected-request",
      pubsub: "not-subscribed",
    });
  });

  it("are stored with the subscription", () => {
    const file = `/tmp/geo-digest-${process.pid}-${Date.now()}.sqlite`;
    const store = openSqliteStore(file);
    const svc = new GeoService(store, { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) }, () => "s1");
    svc.subscribe("val@localhost", "locations", "val@localhost", DIGEST);
    store.close();
    const again = openSqliteStore(file);
    expect(again.load().subscriptions).toEqual([
      expect.objectContaining({
        node: "locations",
        jid: "val@localhost",
        options: { deliver: true, digest: true, digestFrequency: 1000 },
      }),
    ]);
  });
});
