// Areas through the real Prosody (subscription option geo#bbox): enter, leave told once, area change, the
// antimeridian, and a hidden publisher never showing through an area.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventItems, geoloc, NS_PUBSUB, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { parseNotification } from "../../client-web/src/xmpp/parse.ts";

const OPTIONS = "http://jabber.org/protocol/pubsub#subscribe_options";
const form = (fields: Record<string, string>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, OPTIONS)),
    ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );

let stack: Stack;
let vic: TestClient, pa: TestClient, hid: TestClient;

beforeAll(async () => {
  stack = await startStack();
  vic = await stack.viewer("vic");
  pa = await stack.user("pa");
  hid = await stack.user("hid");
  await hid.iq(
    "set",
    pubsub(
      xml(
        "publish",
        { node: "http://jabber.org/protocol/geoloc" },
        xml("item", { id: "h0" }, geoloc({ lat: -15, lon: 176 })),
      ),
      xml(
        "publish-options",
        {},
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, `${NS_PUBSUB}#publish-options`)),
          xml("field", { var: "pubsub#access_model" }, xml("value", {}, "whitelist")),
        ),
      ),
    ),
  );
});
afterAll(() => stack?.stop());

/** everything vic received since `from`, after a round trip (so all that was sent before has arrived) */
async function since(from: number): Promise<Element[]> {
  await vic.iq("get", xml("ping", { xmlns: "urn:xmpp:ping" }));
  return vic.received.slice(from).filter((s) => s.is("message"));
}
const mentionsHidden = () => vic.received.some((s) => s.toString().includes("hid@localhost"));

describe("area subscriptions", () => {
  it(
    "across the antimeridian: " + "entering brings the item, moving inside keeps it coming, leaving is told once",
    async () => {
      await vic.iq(
        "set",
        pubsub(
          xml("subscribe", { node: "locations", jid: vic.jid }),
          xml("options", {}, form({ "geo#bbox": "-20,170,-10,-170" })),
        ),
      );
      let mark = vic.received.length;
      await pa.iq("set", publishEl(geoloc({ lat: -15, lon: 100 }), undefined, "far"));
      expect(await since(mark)).toEqual([]);
      await pa.iq("set", publishEl(geoloc({ lat: -15, lon: 175 }), undefined, "east"));
      await vic.waitFor((s) => eventItems(s, "pa@localhost").some((i) => i.attrs.id === "east"), "entering");
      await pa.iq("set", publishEl(geoloc({ lat: -15, lon: -175 }), undefined, "west"));
      await vic.waitFor(
        (s) => eventItems(s, "pa@localhost").some((i) => i.attrs.id === "west"),
        "across the antimeridian",
      );
      mark = vic.received.length;
      await pa.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "home"));
      await pa.iq("set", publishEl(geoloc({ lat: 1.1, lon: 1 }), undefined, "home2"));
      const got = await since(mark);
      expect(got).toHaveLength(1);
      expect(eventItems(got[0], "pa@localhost", true).map((r) => r.attrs.id)).toEqual(["west"]);
      // a standard reader (the map's) takes it as "the item it shows is gone"
      expect(parseNotification(got[0], 1)).toEqual([
        { kind: "retract", jid: "pa@localhost", itemId: "west", session: 1 },
      ]);
      expect(mentionsHidden()).toBe(false);
    },
  );

  it("changing the area replays the newly visible publishers' latest items and never a hidden one", async () => {
    const mark = vic.received.length;
    await hid.iq("set", publishEl(geoloc({ lat: 1, lon: 1.2 }), undefined, "h1"));
    await vic.iq("set", pubsub(xml("options", { node: "locations", jid: vic.jid }, form({ "geo#bbox": "0,0,2,2" }))));
    const replay = await vic.waitFor((s) => eventItems(s, "locations").length > 0, "the replay");
    const items = eventItems(replay, "locations");
    expect(items.map((i) => [i.attrs.id, i.attrs.publisher])).toEqual([["home2", "pa@localhost"]]);
    expect(items[0].getChild("delay", "urn:xmpp:delay")).toBeDefined();
    await since(mark);
    expect(mentionsHidden()).toBe(false);
    const r = await vic.iq("get", pubsub(xml("options", { node: "locations", jid: vic.jid })));
    const fields = Object.fromEntries(
      r
        .getChild("pubsub")!
        .getChild("options")!
        .getChild("x")!
        .getChildren("field")
        .map((f) => [f.attrs.var, f.getChildText("value")]),
    );
    expect(fields["geo#bbox"]).toBe("0,0,2,2");
  });

  it("refuses a bad box and changes nothing", async () => {
    for (const box of ["0,0,2", "3,0,2,2", "0,0,2,200"]) {
      const e = await vic.iqError(
        "set",
        pubsub(xml("options", { node: "locations", jid: vic.jid }, form({ "geo#bbox": box }))),
      );
      expect([e.condition, e.pubsubCondition]).toEqual(["bad-request", "invalid-options"]);
    }
    const mark = vic.received.length;
    await pa.iq("set", publishEl(geoloc({ lat: 1.5, lon: 1.5 }), undefined, "still"));
    await vic.waitFor(
      (s) => vic.received.indexOf(s) >= mark && eventItems(s, "pa@localhost").some((i) => i.attrs.id === "still"),
      "the old box still applies",
    );
  });
});
