// Presence through the service's one stream, ordering, temporary subscriptions: real Prosody, real component.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geoloc, isEvent, NS_EVENT, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let viewer: TestClient;

beforeAll(async () => {
  stack = await startStack();
  viewer = await stack.viewer("watcher");
  await viewer.iq("set", pubsub(xml("subscribe", { node: "presence", jid: viewer.jid })));
  await viewer.iq("set", pubsub(xml("subscribe", { node: "locations", jid: viewer.jid })));
});
afterAll(() => stack?.stop());

/** Every presence of `jid` a notification carries: several items of one node share a message (XEP-0060 §7.1.2.1). */
const presencesOf = (s: Element, jid: string): Element[] => {
  const item = s.getChild("event", NS_EVENT)?.getChild("items");
  if (!s.is("message") || item?.attrs.node !== "presence") return [];
  return item
    .getChildren("item")
    .filter((i) => i.attrs.id === jid)
    .map((i) => i.getChild("presence", "jabber:client")!);
};
const isPresence = (jid: string, state: "online" | "offline" | string) => (s: Element) =>
  presencesOf(s, jid).some((p) => {
    if (state === "offline") return p.attrs.type === "unavailable";
    if (state === "online") return p.attrs.type === undefined && !p.getChild("show");
    return p.attrs.type === undefined && p.getChildText("show") === state;
  });

describe("presence", () => {
  it("learns presence from directed presence and tells presence subscribers, item id = publisher", async () => {
    const p = await stack.user("pia");
    await p.send(xml("presence", { to: stack.componentJid }));
    await p.iq("set", publishEl(geoloc({ lat: 1, lon: 1 })));
    const msg = await viewer.waitFor(isPresence("pia@localhost", "online"), "pia online");
    const item = msg.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!;
    expect(item.attrs.publisher).toBe("pia@localhost");
    expect(item.getChild("presence")!.getChild("delay", "urn:xmpp:delay")).toBeTruthy();
    await p.send(xml("presence", { to: stack.componentJid }, xml("show", {}, "away")));
    await viewer.waitFor(isPresence("pia@localhost", "away"), "pia away");
  });

  it("asks a new publisher for a presence subscription and learns presence through it", async () => {
    const q = await stack.user("quinn");
    q.xmpp.on("stanza", (s: Element) => {
      if (s.is("presence") && s.attrs.type === "subscribe")
        void q.send(xml("presence", { to: s.attrs.from, type: "subscribed" }));
    });
    await q.send(xml("presence")); // initial presence: no directed presence to the service
    await q.iq("set", publishEl(geoloc({ lat: 2, lon: 2 })));
    await q.waitFor(
      (s) => s.is("presence") && s.attrs.type === "subscribe" && s.attrs.from === stack.componentJid,
      "the subscription request",
    );
    // once approved, the server sends the service the current presence, then every broadcast
    await viewer.waitFor(isPresence("quinn@localhost", "online"), "quinn online via subscription");
    await q.send(xml("presence", {}, xml("show", {}, "dnd")));
    await viewer.waitFor(isPresence("quinn@localhost", "dnd"), "quinn dnd via subscription");
  });

  it("turns a publisher offline when its connection drops", async () => {
    const r = await stack.user("rita");
    await r.send(xml("presence", { to: stack.componentJid }));
    await r.iq("set", publishEl(geoloc({ lat: 3, lon: 3 })));
    await viewer.waitFor(isPresence("rita@localhost", "online"), "rita online");
    r.drop();
    await viewer.waitFor(isPresence("rita@localhost", "offline"), "rita offline");
  });

  it("aggregates resources: online while one resource remains", async () => {
    const a = await stack.user("sam", "phone");
    const b = await stack.user("sam", "car");
    await a.send(xml("presence", { to: stack.componentJid }, xml("show", {}, "away")));
    await b.send(xml("presence", { to: stack.componentJid }));
    await a.iq("set", publishEl(geoloc({ lat: 4, lon: 4 })));
    await viewer.waitFor(isPresence("sam@localhost", "online"), "sam online (most available resource)");
    await b.stop();
    await viewer.waitFor(isPresence("sam@localhost", "away"), "sam away (phone remains)");
    await a.stop();
    await viewer.waitFor(isPresence("sam@localhost", "offline"), "sam offline");
  });

  it("delivers the last fix before the unavailable, never after", async () => {
    const t = await stack.user("tom");
    await t.send(xml("presence", { to: stack.componentJid }));
    await t.iq("set", publishEl(geoloc({ lat: 5, lon: 5 }), undefined, "first"));
    await viewer.waitFor(isPresence("tom@localhost", "online"), "tom online");
    // publish and disconnect back to back: the service processes them in this order
    void t.send(
      xml(
        "iq",
        { type: "set", to: stack.componentJid, id: "last" },
        publishEl(geoloc({ lat: 6, lon: 6 }), undefined, "last"),
      ),
    );
    t.drop();
    await viewer.waitFor(isPresence("tom@localhost", "offline"), "tom offline");
    const ix = (pred: (s: Element) => boolean) => viewer.received.findIndex(pred);
    const fix = ix((s) => isEvent(s, "tom@localhost", (i) => i.attrs.id === "last"));
    const off = ix(isPresence("tom@localhost", "offline"));
    expect(fix).toBeGreaterThanOrEqual(0);
    expect(fix).toBeLessThan(off);
  });

  it("answers the presence snapshot, or one publisher by item id", async () => {
    const r = await viewer.iq("get", pubsub(xml("items", { node: "presence" })));
    const ids = r
      .getChild("pubsub")!
      .getChild("items")!
      .getChildren("item")
      .map((i) => i.attrs.id);
    expect(ids).toEqual(expect.arrayContaining(["pia@localhost", "rita@localhost", "sam@localhost"]));
    const one = await viewer.iq(
      "get",
      pubsub(xml("items", { node: "presence" }, xml("item", { id: "rita@localhost" }))),
    );
    const items = one.getChild("pubsub")!.getChild("items")!.getChildren("item");
    expect(items).toHaveLength(1);
    expect(items[0].getChild("presence")!.attrs.type).toBe("unavailable");
  });
});

describe("temporary subscriptions (XEP-0060 §12.5)", () => {
  it("ends a full-JID subscription when that resource goes offline", async () => {
    const v = await stack.viewer("tab");
    await v.iq("set", pubsub(xml("subscribe", { node: "locations", jid: v.jid })));
    const subs = () => new Map(stack.service.core.subscribers("locations").map((s) => [s.jid, s]));
    expect(subs()?.get(v.jid)?.temporary).toBe(true);
    const gone = new Promise<void>((resolve) => {
      const check = () => (subs()?.has(v.jid) ? setImmediate(check) : resolve());
      check();
    });
    await v.stop();
    await gone;
    expect(subs()?.has(v.jid)).toBe(false);
  });

  it("keeps a bare-JID subscription across sessions", async () => {
    const v = await stack.user("keeper");
    await v.iq("set", pubsub(xml("subscribe", { node: "locations", jid: v.bare })));
    await v.stop();
    expect(stack.service.core.subscription("locations", "keeper@localhost")?.temporary).toBe(false);
  });
});
