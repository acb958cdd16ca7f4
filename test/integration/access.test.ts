// Access control on every path, owner operations, domains: real Prosody, real component.
import { xml } from "@xmpp/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventItems, geoloc, isEvent, NS_EVENT, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let secret: TestClient, friend: TestClient, stranger: TestClient;

const form = (fields: Record<string, string>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml(
      "field",
      { var: "FORM_TYPE", type: "hidden" },
      xml("value", {}, "http://jabber.org/protocol/pubsub#node_config"),
    ),
    ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );

beforeAll(async () => {
  stack = await startStack();
  secret = await stack.user("secret");
  friend = await stack.viewer("friend");
  stranger = await stack.viewer("stranger");
  for (const v of [friend, stranger]) {
    await v.iq("set", pubsub(xml("subscribe", { node: "locations", jid: v.jid })));
    await v.iq("set", pubsub(xml("subscribe", { node: "presence", jid: v.jid })));
  }
  // a whitelist node from the first publish (XEP-0060 §7.1.5 publish-options), friend a member
  await secret.iq(
    "set",
    pubsub(
      xml(
        "publish",
        { node: "http://jabber.org/protocol/geoloc" },
        xml("item", { id: "s0" }, geoloc({ lat: 48.85, lon: 2.35 })),
      ),
      xml(
        "publish-options",
        {},
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml(
            "field",
            { var: "FORM_TYPE", type: "hidden" },
            xml("value", {}, "http://jabber.org/protocol/pubsub#publish-options"),
          ),
          xml("field", { var: "pubsub#access_model" }, xml("value", {}, "whitelist")),
        ),
      ),
    ),
  );
  await secret.iq(
    "set",
    owner(
      xml(
        "affiliations",
        { node: "secret@localhost" },
        xml("affiliation", { jid: "friend@localhost", affiliation: "member" }),
      ),
    ),
  );
  await secret.send(xml("presence", { to: stack.componentJid }));
});
afterAll(() => stack?.stop());

describe("a whitelist node", () => {
  it("reaches members: notifications, items, presence", async () => {
    await secret.iq("set", publishEl(geoloc({ lat: 48.86, lon: 2.36 }), undefined, "s1"));
    await friend.waitFor(
      (s) => isEvent(s, "secret@localhost", (i) => i.attrs.id === "s1"),
      "the member's notification",
    );
    const r = await friend.iq("get", pubsub(xml("items", { node: "secret@localhost" })));
    expect(
      r
        .getChild("pubsub")!
        .getChild("items")!
        .getChildren("item")
        .map((i) => i.attrs.id),
    ).toEqual(["s0", "s1"]);
    await friend.waitFor(
      (s) => isEvent(s, "presence", (i) => i.attrs.id === "secret@localhost"),
      "the member's presence notification",
    );
  });

  it("leaks nothing to a non-member, by any path", async () => {
    const missing = "ghost@localhost";
    // the same answer as for a node that does not exist
    for (const node of ["secret@localhost", missing]) {
      const items = await stranger.iqError("get", pubsub(xml("items", { node })));
      const sub = await stranger.iqError("set", pubsub(xml("subscribe", { node, jid: stranger.jid })));
      const info = await stranger.iqError(
        "get",
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node }),
      );
      const dItems = await stranger.iqError(
        "get",
        xml("query", { xmlns: "http://jabber.org/protocol/disco#items", node }),
      );
      expect([items.condition, sub.condition, info.condition, dItems.condition], node).toEqual([
        "item-not-found",
        "item-not-found",
        "item-not-found",
        "item-not-found",
      ]);
    }
    const all = JSON.stringify(
      [
        await stranger.iq("get", pubsub(xml("items", { node: "locations" }))),
        await stranger.iq("get", pubsub(xml("items", { node: "presence" }))),
        await stranger.iq("get", pubsub(xml("items", { node: "presence" }, xml("item", { id: "secret@localhost" })))),
        await stranger.iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })),
        await stranger.iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items", node: "locations" })),
      ].map(String),
    );
    expect(all).not.toContain("secret@localhost");
    // a marker: a later open publisher's event arrives, and nothing of secret's came before it
    const open = await stack.user("openone");
    await open.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "marker"));
    await stranger.waitFor((s) => isEvent(s, "openone@localhost", (i) => i.attrs.id === "marker"), "the marker");
    expect(stranger.received.map(String).join("")).not.toContain("secret@localhost");
  });

  it("cuts a member off when the owner removes the affiliation", async () => {
    await friend.iq("set", pubsub(xml("subscribe", { node: "secret@localhost", jid: friend.jid })));
    await secret.iq(
      "set",
      owner(
        xml(
          "affiliations",
          { node: "secret@localhost" },
          xml("affiliation", { jid: "friend@localhost", affiliation: "none" }),
        ),
      ),
    );
    await friend.waitFor(
      (s) => s.getChild("pubsub")?.getChild("subscription")?.attrs.subscription === "none",
      "the end of the subscription",
    );
    const e = await friend.iqError("get", pubsub(xml("items", { node: "secret@localhost" })));
    expect(e.condition).toBe("item-not-found");
  });
});

describe("owner operations", () => {
  it("configures access model, max_items and title, and refuses unsupported values", async () => {
    const o = await stack.user("olga");
    for (let i = 0; i < 5; i++) await o.iq("set", publishEl(geoloc({ lat: i, lon: i }), undefined, `o${i}`));
    await o.iq(
      "set",
      owner(
        xml("configure", { node: "olga@localhost" }, form({ "pubsub#max_items": "2", "pubsub#title": "Olga's bike" })),
      ),
    );
    const got = await o.iq("get", owner(xml("configure", { node: "olga@localhost" })));
    const fields = Object.fromEntries(
      got
        .getChild("pubsub")!
        .getChild("configure")!
        .getChild("x")!
        .getChildren("field")
        .map((f) => [f.attrs.var, f.getChildText("value")]),
    );
    expect(fields).toMatchObject({
      "pubsub#max_items": "2",
      "pubsub#title": "Olga's bike",
      "pubsub#access_model": "open",
    });
    const items = await o.iq("get", pubsub(xml("items", { node: "olga@localhost" })));
    expect(
      items
        .getChild("pubsub")!
        .getChild("items")!
        .getChildren("item")
        .map((i) => i.attrs.id),
    ).toEqual(["o3", "o4"]);
    const bad = await o.iqError(
      "set",
      owner(xml("configure", { node: "olga@localhost" }, form({ "pubsub#access_model": "roster" }))),
    );
    expect(bad.condition).toBe("not-acceptable");
    const other = await stranger.iqError(
      "set",
      owner(xml("configure", { node: "olga@localhost" }, form({ "pubsub#max_items": "1" }))),
    );
    expect(other.condition).toBe("forbidden");
  });

  it("retracts and purges, and tells subscribers", async () => {
    const o = await stack.user("otto");
    await o.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "r1"));
    await o.iq("set", publishEl(geoloc({ lat: 2, lon: 2 }), undefined, "r2"));
    await o.iq("set", pubsub(xml("retract", { node: "otto@localhost" }, xml("item", { id: "r1" }))));
    await friend.waitFor((s) => eventItems(s, undefined, true).some((r) => r.attrs.id === "r1"), "the retract");
    const e = await friend.iqError(
      "set",
      pubsub(xml("retract", { node: "otto@localhost" }, xml("item", { id: "r2" }))),
    );
    expect(e.condition).toBe("forbidden");
    await o.iq("set", owner(xml("purge", { node: "otto@localhost" })));
    await friend.waitFor(
      (s) => s.getChild("event", NS_EVENT)?.getChild("purge")?.attrs.node === "otto@localhost",
      "the purge",
    );
    const items = await friend.iq("get", pubsub(xml("items", { node: "otto@localhost" })));
    expect(items.getChild("pubsub")!.getChild("items")!.getChildren("item")).toHaveLength(0);
  });

  it("deletes a node: erased from storage, subscribers told, gone from presence", async () => {
    const d = await stack.user("dora");
    await d.send(xml("presence", { to: stack.componentJid }));
    await d.iq("set", publishEl(geoloc({ lat: 1, lon: 1, text: "dora-was-here" })));
    await friend.waitFor((s) => isEvent(s, "presence", (i) => i.attrs.id === "dora@localhost"), "dora's presence");
    await d.iq("set", owner(xml("delete", { node: "dora@localhost" })));
    await friend.waitFor(
      (s) => s.getChild("event", NS_EVENT)?.getChild("delete")?.attrs.node === "dora@localhost",
      "the delete",
    );
    await friend.waitFor(
      (s) => eventItems(s, undefined, true).some((r) => r.attrs.id === "dora@localhost"),
      "dora leaving presence",
    );
    const e = await friend.iqError("get", pubsub(xml("items", { node: "dora@localhost" })));
    expect(e.condition).toBe("item-not-found");
  });
});

describe("domains", () => {
  it("refuses users outside GEO_DOMAINS", async () => {
    const outsider = await startStack({ settings: { domains: new Set(["example.org"]) } });
    try {
      const u = await outsider.user("out");
      const pub = await u.iqError("set", publishEl(geoloc({ lat: 1, lon: 1 })));
      expect(pub.condition).toBe("forbidden");
      const items = await u.iqError("get", pubsub(xml("items", { node: "locations" })));
      expect(items.condition).toBe("item-not-found");
    } finally {
      await outsider.stop();
    }
  });
});
