// Publishing, validation, notifications and items against a real Prosody and the real component.
import { xml } from "@xmpp/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventItems,
  geoloc,
  isEvent,
  NS_EVENT,
  NS_GEOLOC,
  publishEl,
  pubsub,
  type TestClient,
} from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let alice: TestClient, bob: TestClient;

beforeAll(async () => {
  stack = await startStack({ settings: { maxPayloadBytes: 2048 } });
  alice = await stack.user("alice");
  bob = await stack.viewer("bob");
  await bob.iq("set", pubsub(xml("subscribe", { node: "locations", jid: bob.jid })));
});
afterAll(() => stack?.stop());

const DISCO_INFO = "http://jabber.org/protocol/disco#info";

describe("service discovery", () => {
  it("answers disco#info with the pubsub/service identity and the geoloc feature", async () => {
    const r = await bob.iq("get", xml("query", { xmlns: DISCO_INFO }));
    const q = r.getChild("query")!;
    expect(q.getChild("identity")!.attrs).toMatchObject({ category: "pubsub", type: "service" });
    const features = q.getChildren("feature").map((f) => f.attrs.var);
    expect(features).toContain(NS_GEOLOC);
    expect(features).toContain("http://jabber.org/protocol/pubsub#publish");
    expect(features).toContain("http://jabber.org/protocol/pubsub#access-whitelist");
  });

  it("lists locations, presence and visible personal nodes in disco#items", async () => {
    await alice.iq("set", publishEl(geoloc({ lat: 1, lon: 2 })));
    const r = await bob.iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }));
    const nodes = r
      .getChild("query")!
      .getChildren("item")
      .map((i) => i.attrs.node);
    expect(nodes).toEqual(expect.arrayContaining(["locations", "presence", "alice@localhost"]));
  });

  it("describes a personal node with pubsub#itemreply = publisher and its access model", async () => {
    const r = await bob.iq("get", xml("query", { xmlns: DISCO_INFO, node: "alice@localhost" }));
    const q = r.getChild("query")!;
    expect(q.getChild("identity")!.attrs.type).toBe("leaf");
    const fields = Object.fromEntries(
      q
        .getChild("x", "jabber:x:data")!
        .getChildren("field")
        .map((f) => [f.attrs.var, f.getChildText("value")]),
    );
    expect(fields).toMatchObject({
      FORM_TYPE: "http://jabber.org/protocol/pubsub#meta-data",
      "pubsub#itemreply": "publisher",
      "pubsub#access_model": "open",
      "pubsub#owner": "alice@localhost",
    });
    const loc = await bob.iq("get", xml("query", { xmlns: DISCO_INFO, node: "locations" }));
    expect(loc.getChild("query")!.getChild("identity")!.attrs.type).toBe("collection");
  });

  it("answers an IQ it does not handle with service-unavailable", async () => {
    const e = await bob.iqError("get", xml("query", { xmlns: "jabber:iq:last" }));
    expect(e.condition).toBe("service-unavailable");
  });
});

describe("publish", () => {
  it("auto-creates the own node, returns the item id and notifies with publisher = bare JID", async () => {
    const r = await alice.iq(
      "set",
      publishEl(geoloc({ lat: 52.52, lon: 13.405, accuracy: 12, timestamp: "2026-11-26T10:00:00Z" })),
    );
    const pub = r.getChild("pubsub")!.getChild("publish")!;
    expect(pub.attrs.node).toBe("alice@localhost");
    const id = pub.getChild("item")!.attrs.id;
    expect(id).toBeTruthy();
    const msg = await bob.waitFor((s) => isEvent(s, "alice@localhost", (i) => i.attrs.id === id), "alice's item");
    expect(msg.attrs.type).toBe("headline");
    const item = msg.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!;
    expect(item.attrs.publisher).toBe("alice@localhost");
    expect(item.getChild("geoloc", NS_GEOLOC)!.getChildText("lat")).toBe("52.52");
  });

  it("overwrites a publisher attribute sent by the client (XEP-0060 §7.1.2.3)", async () => {
    const el = publishEl(geoloc({ lat: 10, lon: 10 }), "alice@localhost", "forged");
    el.getChild("publish")!.getChild("item")!.attrs.publisher = "mallory@localhost";
    await alice.iq("set", el);
    const msg = await bob.waitFor(
      (s) => isEvent(s, "alice@localhost", (i) => i.attrs.id === "forged"),
      "the forged item",
    );
    expect(msg.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!.attrs.publisher).toBe(
      "alice@localhost",
    );
  });

  it("fills a missing timestamp with the receive time", async () => {
    const before = Date.now() - 1000;
    const r = await alice.iq("set", publishEl(geoloc({ lat: 5, lon: 6 })));
    const id = r.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id;
    const items = await bob.iq("get", pubsub(xml("items", { node: "alice@localhost" }, xml("item", { id }))));
    const ts = items
      .getChild("pubsub")!
      .getChild("items")!
      .getChild("item")!
      .getChild("geoloc")!
      .getChildText("timestamp")!;
    expect(Date.parse(ts)).toBeGreaterThanOrEqual(before);
  });

  const bad: Array<[string, Record<string, string | number>]> = [
    ["a latitude out of range", { lat: 91, lon: 0 }],
    ["a longitude out of range", { lat: 0, lon: -180.5 }],
    ["NaN", { lat: "NaN", lon: 0 }],
    ["Infinity", { lat: 0, lon: "Infinity" }],
    ["an exponent", { lat: "1e2", lon: 0 }],
    ["a bad timestamp", { lat: 0, lon: 0, timestamp: "yesterday" }],
    ["an impossible date", { lat: 0, lon: 0, timestamp: "2026-02-31T10:00:00Z" }],
    ["a fix from the future", { lat: 0, lon: 0, timestamp: "2099-01-01T00:00:00Z" }],
    ["an unknown element", { lat: 0, lon: 0, altitude: 3 }],
    ["lat without lon", { lat: 0 }],
    ["a negative accuracy", { lat: 0, lon: 0, accuracy: -1 }],
    ["bearing 360", { lat: 0, lon: 0, bearing: 360 }],
  ];
  for (const [what, fields] of bad) {
    it(`refuses ${what} with bad-request + invalid-payload and changes nothing`, async () => {
      const before = await alice.iq("get", pubsub(xml("items", { node: "alice@localhost" })));
      const e = await alice.iqError("set", publishEl(geoloc(fields)));
      expect(e.condition).toBe("bad-request");
      expect(e.pubsubCondition).toBe("invalid-payload");
      const after = await alice.iq("get", pubsub(xml("items", { node: "alice@localhost" })));
      expect(after.getChild("pubsub")!.toString()).toBe(before.getChild("pubsub")!.toString());
    });
  }

  it("refuses a payload in another namespace with invalid-payload", async () => {
    const e = await alice.iqError("set", publishEl(xml("tune", { xmlns: "http://jabber.org/protocol/tune" })));
    expect([e.condition, e.pubsubCondition]).toEqual(["bad-request", "invalid-payload"]);
  });

  it("refuses two items in one publish", async () => {
    const el = pubsub(
      xml(
        "publish",
        { node: NS_GEOLOC },
        xml("item", {}, geoloc({ lat: 1, lon: 1 })),
        xml("item", {}, geoloc({ lat: 2, lon: 2 })),
      ),
    );
    const e = await alice.iqError("set", el);
    expect([e.condition, e.pubsubCondition]).toEqual(["bad-request", "invalid-payload"]);
  });

  it("refuses a publish without an item with item-required", async () => {
    const e = await alice.iqError("set", pubsub(xml("publish", { node: NS_GEOLOC })));
    expect([e.condition, e.pubsubCondition]).toEqual(["bad-request", "item-required"]);
  });

  it("refuses a payload over the cap with not-acceptable + payload-too-big", async () => {
    const e = await alice.iqError(
      "set",
      publishEl(geoloc({ lat: 1, lon: 1, text: "x".repeat(1000), description: "y".repeat(1000) })),
    );
    expect([e.condition, e.pubsubCondition]).toEqual(["not-acceptable", "payload-too-big"]);
  });

  it("forbids publishing to another user's node, existing or not", async () => {
    for (const node of ["alice@localhost", "nobody@localhost", "presence", "locations"]) {
      const e = await bob.iqError("set", publishEl(geoloc({ lat: 1, lon: 1 }), node));
      expect(e.condition, node).toBe("forbidden");
    }
  });

  it("tells viewers when a publisher stops sharing with an empty <geoloc/> (XEP-0080 §4.1)", async () => {
    const r = await alice.iq("set", publishEl(geoloc({})));
    const id = r.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id;
    const msg = await bob.waitFor((s) => isEvent(s, "alice@localhost", (i) => i.attrs.id === id), "the stop");
    expect(
      msg.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!.getChild("geoloc")!.children,
    ).toHaveLength(0);
  });

  it("round-trips non-ASCII text byte for byte through a burst", async () => {
    const carol = await stack.user("carol");
    const texts = Array.from({ length: 150 }, (_, i) => `Grüße aus Köln ${i} — 東京 🚲 ${"ß".repeat(i % 37)}`);
    await Promise.all(
      texts.map((text, i) => carol.iq("set", publishEl(geoloc({ lat: 50.9, lon: 6.9, text }), NS_GEOLOC, `u${i}`))),
    );
    for (const [i, text] of texts.entries()) {
      const msg = await bob.waitFor(
        (s) => isEvent(s, "carol@localhost", (it) => it.attrs.id === `u${i}`),
        `carol's item u${i}`,
      );
      // one message may carry several items (XEP-0060 §7.1.2.1): read the one with this id
      expect(
        eventItems(msg)
          .find((it) => it.attrs.id === `u${i}`)!
          .getChild("geoloc")!
          .getChildText("text"),
      ).toBe(text);
    }
  });
});

describe("items", () => {
  it("keeps pubsub#max_items of history, newest last, and replays items with <delay/>", async () => {
    const dave = await stack.user("dave");
    for (let i = 0; i < 25; i++) await dave.iq("set", publishEl(geoloc({ lat: i, lon: i }), NS_GEOLOC, `d${i}`));
    const r = await bob.iq("get", pubsub(xml("items", { node: "dave@localhost" })));
    const items = r.getChild("pubsub")!.getChild("items")!.getChildren("item");
    expect(items.map((i) => i.attrs.id)).toEqual(Array.from({ length: 20 }, (_, i) => `d${i + 5}`));
    expect(items.every((i) => i.attrs.publisher === "dave@localhost" && i.getChild("delay", "urn:xmpp:delay"))).toBe(
      true,
    );
    const last2 = await bob.iq("get", pubsub(xml("items", { node: "dave@localhost", max_items: "2" })));
    expect(
      last2
        .getChild("pubsub")!
        .getChild("items")!
        .getChildren("item")
        .map((i) => i.attrs.id),
    ).toEqual(["d23", "d24"]);
  });

  it("gives the latest item of every visible publisher on node locations", async () => {
    const r = await bob.iq("get", pubsub(xml("items", { node: "locations" })));
    const byPublisher = new Map(
      r
        .getChild("pubsub")!
        .getChild("items")!
        .getChildren("item")
        .map((i) => [i.attrs.publisher, i.attrs.id]),
    );
    expect(byPublisher.get("dave@localhost")).toBe("d24");
    expect(byPublisher.has("alice@localhost")).toBe(true);
  });

  it("answers items of a node that does not exist with item-not-found", async () => {
    const e = await bob.iqError("get", pubsub(xml("items", { node: "ghost@localhost" })));
    expect(e.condition).toBe("item-not-found");
  });
});

describe("subscriptions", () => {
  it("sends the last item, with <delay/>, on subscribe to a personal node", async () => {
    const erin = await stack.viewer("erin");
    await erin.iq("set", pubsub(xml("subscribe", { node: "dave@localhost", jid: erin.jid })));
    const msg = await erin.waitFor((s) => isEvent(s, "dave@localhost"), "the last item");
    expect(msg.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!.attrs.id).toBe("d24");
    expect(msg.getChild("delay", "urn:xmpp:delay")).toBeTruthy();
  });

  it("lists and ends the requester's own subscriptions", async () => {
    const frank = await stack.user("frank");
    await frank.iq("set", pubsub(xml("subscribe", { node: "locations", jid: frank.bare })));
    const list = await frank.iq("get", pubsub(xml("subscriptions")));
    expect(
      list
        .getChild("pubsub")!
        .getChild("subscriptions")!
        .getChildren("subscription")
        .map((s) => s.attrs.node),
    ).toEqual(["locations"]);
    await frank.iq("set", pubsub(xml("unsubscribe", { node: "locations", jid: frank.bare })));
    const e = await frank.iqError("set", pubsub(xml("unsubscribe", { node: "locations", jid: frank.bare })));
    expect([e.condition, e.pubsubCondition]).toEqual(["unexpected-request", "not-subscribed"]);
  });

  it("refuses to subscribe another JID with invalid-jid (XEP-0060 §6.1.3.1)", async () => {
    const e = await bob.iqError("set", pubsub(xml("subscribe", { node: "locations", jid: "alice@localhost" })));
    expect([e.condition, e.pubsubCondition]).toEqual(["bad-request", "invalid-jid"]);
  });
});
