// Precision per viewer (geo#exact, geo#coarse_km): two viewers side by side, one on the exact list and one not, on
// every path that sends a fix, against a real Prosody and the real component. The exact fix is what is stored.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coarsen } from "../../component/src/core/coarse.ts";
import { geoloc, isEvent, NS_EVENT, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let pat: TestClient; // the publisher
let ella: TestClient; // on pat's exact list
let cole: TestClient; // may see pat, not on the exact list

const KM = 10;
const fix = (n: number) => ({
  lat: `48.13${n}517`,
  lon: `11.57${n}491`,
  accuracy: "5",
  street: "Marienplatz 8",
  speed: "1.2",
  timestamp: "2026-12-02T10:00:00Z",
});
const fieldsOf = (g: Element | undefined) =>
  Object.fromEntries((g?.getChildElements() ?? []).map((e) => [e.name, e.getText()]));
const configure = (fields: Record<string, string | string[]>) =>
  pat.iq(
    "set",
    owner(
      xml(
        "configure",
        { node: "pat@localhost" },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml(
            "field",
            { var: "FORM_TYPE", type: "hidden" },
            xml("value", {}, "http://jabber.org/protocol/pubsub#node_config"),
          ),
          ...Object.entries(fields).map(([k, v]) =>
            xml("field", { var: k }, ...(Array.isArray(v) ? v : [v]).map((x) => xml("value", {}, x))),
          ),
        ),
      ),
    ),
  );
const eventGeoloc = (s: Element) =>
  fieldsOf(s.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!.getChild("geoloc"));
const waitItem = (c: TestClient, node: string, id: string) =>
  c.waitFor((s) => isEvent(s, node, (i) => i.attrs.id === id), `${node} item ${id}`);
const itemsOf = async (c: TestClient, node: string, id: string) => {
  const items = (await c.iq("get", pubsub(xml("items", { node }))))
    .getChild("pubsub")!
    .getChild("items")!
    .getChildren("item");
  return fieldsOf(items.find((i) => i.attrs.id === id)?.getChild("geoloc"));
};
const publish = (n: number, id: string) => pat.iq("set", publishEl(geoloc(fix(n)), undefined, id));

beforeAll(async () => {
  stack = await startStack();
  pat = await stack.user("pat");
  ella = await stack.viewer("ella");
  cole = await stack.viewer("cole");
  await publish(0, "p0");
  await configure({ "geo#coarse_km": String(KM), "geo#exact": ["Ella@localhost", "ella@localhost"] });
});
afterAll(() => stack?.stop());

describe("precision per viewer", () => {
  it(
    "lists geo#exact in the owner's form, as bare JIDs once each, " + "and refuses a malformed JID with bad-request",
    async () => {
      const form = (await pat.iq("get", owner(xml("configure", { node: "pat@localhost" }))))
        .getChild("pubsub")!
        .getChild("configure")!
        .getChild("x")!;
      const exact = form.getChildren("field").find((f) => f.attrs.var === "geo#exact")!;
      expect(exact.attrs.type).toBe("jid-multi");
      expect(exact.getChildren("value").map((v) => v.getText())).toEqual(["ella@localhost"]);
      const e = await pat.iqError(
        "set",
        owner(
          xml(
            "configure",
            { node: "pat@localhost" },
            xml(
              "x",
              { xmlns: "jabber:x:data", type: "submit" },
              xml("field", { var: "geo#exact" }, xml("value", {}, "ella@localhost"), xml("value", {}, "not a jid")),
            ),
          ),
        ),
      );
      expect([e.condition, e.pubsubCondition]).toEqual(["bad-request", "invalid-jid"]);
      const after = (await pat.iq("get", owner(xml("configure", { node: "pat@localhost" }))))
        .getChild("pubsub")!
        .getChild("configure")!
        .getChild("x")!;
      expect(
        after
          .getChildren("field")
          .find((f) => f.attrs.var === "geo#exact")!
          .getChildren("value")
          .map((v) => v.getText()),
      ).toEqual(["ella@localhost"]);
      // the list is the owner's: node meta-data, which any viewer reads, does not carry it
      const info = await cole.iq(
        "get",
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node: "pat@localhost" }),
      );
      expect(info.toString()).not.toContain("ella@localhost");
    },
  );

  it(
    "replays the last item on subscribe at each viewer's precision, " +
      "then sends live per-leaf notifications the same way",
    async () => {
      for (const v of [ella, cole]) await v.iq("set", pubsub(xml("subscribe", { node: "pat@localhost", jid: v.jid })));
      const [e0, c0] = await Promise.all([ella, cole].map((v) => waitItem(v, "pat@localhost", "p0")));
      expect(eventGeoloc(e0)).toEqual(fix(0));
      expect(eventGeoloc(c0)).toEqual(coarsen(fix(0), KM));
      await publish(1, "p1");
      const [e1, c1] = await Promise.all([ella, cole].map((v) => waitItem(v, "pat@localhost", "p1")));
      expect(eventGeoloc(e1)).toEqual(fix(1));
      expect(eventGeoloc(c1)).toEqual(coarsen(fix(1), KM));
      expect(coarsen(fix(1), KM).lat).not.toBe(fix(1).lat);
    },
  );

  it(
    "sends `locations` notifications and answers items queries " + "(leaf and `locations`) at each viewer's precision",
    async () => {
      // second sessions, on locations only
      const [el, cl] = [await stack.user("ella", "locations"), await stack.user("cole", "locations")];
      for (const v of [el, cl]) await v.send(xml("presence", { to: stack.componentJid }));
      for (const v of [el, cl]) await v.iq("set", pubsub(xml("subscribe", { node: "locations", jid: v.jid })));
      await publish(2, "p2");
      const [e2, c2] = await Promise.all([el, cl].map((v) => waitItem(v, "pat@localhost", "p2")));
      expect(eventGeoloc(e2)).toEqual(fix(2));
      expect(eventGeoloc(c2)).toEqual(coarsen(fix(2), KM));
      expect(await itemsOf(ella, "pat@localhost", "p0")).toEqual(fix(0)); // history too
      expect(await itemsOf(cole, "pat@localhost", "p0")).toEqual(coarsen(fix(0), KM));
      expect(await itemsOf(ella, "locations", "p2")).toEqual(fix(2));
      expect(await itemsOf(cole, "locations", "p2")).toEqual(coarsen(fix(2), KM));
      expect(await itemsOf(pat, "pat@localhost", "p2")).toEqual(fix(2)); // the owner always sees exact
    },
  );

  it("replays the last item on approval (authorize, XEP-0060 §8.6.2) at the approved viewer's precision", async () => {
    const ava = await stack.user("ava");
    await ava.send(xml("presence", { to: stack.componentJid }));
    await ava.iq("set", publishEl(geoloc(fix(5)), undefined, "a1"));
    await ava.iq(
      "set",
      owner(
        xml(
          "configure",
          { node: "ava@localhost" },
          xml(
            "x",
            { xmlns: "jabber:x:data", type: "submit" },
            xml("field", { var: "pubsub#access_model" }, xml("value", {}, "authorize")),
            xml("field", { var: "geo#coarse_km" }, xml("value", {}, String(KM))),
            xml("field", { var: "geo#exact" }, xml("value", {}, "ella@localhost")),
          ),
        ),
      ),
    );
    for (const v of [ella, cole]) {
      await v.iq("set", pubsub(xml("subscribe", { node: "ava@localhost", jid: v.jid })));
      const request = await ava.waitFor(
        (m) =>
          m.is("message") &&
          m
            .getChild("x", "jabber:x:data")
            ?.getChildren("field")
            .some((f) => f.attrs.var === "pubsub#subscriber_jid" && f.getChildText("value") === v.jid) === true,
        `${v.jid}'s request`,
      );
      const subid = request
        .getChild("x", "jabber:x:data")!
        .getChildren("field")
        .find((f) => f.attrs.var === "pubsub#subid")!
        .getChildText("value")!;
      await ava.send(
        xml(
          "message",
          { to: stack.componentJid },
          xml(
            "x",
            { xmlns: "jabber:x:data", type: "submit" },
            xml(
              "field",
              { var: "FORM_TYPE" },
              xml("value", {}, "http://jabber.org/protocol/pubsub#subscribe_authorization"),
            ),
            xml("field", { var: "pubsub#subid" }, xml("value", {}, subid)),
            xml("field", { var: "pubsub#node" }, xml("value", {}, "ava@localhost")),
            xml("field", { var: "pubsub#subscriber_jid" }, xml("value", {}, v.jid)),
            xml("field", { var: "pubsub#allow" }, xml("value", {}, "true")),
          ),
        ),
      );
    }
    const [e, c] = await Promise.all([ella, cole].map((v) => waitItem(v, "ava@localhost", "a1")));
    expect(eventGeoloc(e)).toEqual(fix(5));
    expect(eventGeoloc(c)).toEqual(coarsen(fix(5), KM));
  });

  it("stores the exact fix, and the same coarse cell for the same fix on every path and every time", async () => {
    const bytes = [stack.dbFile, `${stack.dbFile}-wal`].filter(existsSync).map((f) => readFileSync(f));
    expect(bytes.some((b) => b.includes(Buffer.from(fix(2).lat)))).toBe(true);
    expect(await itemsOf(cole, "pat@localhost", "p2")).toEqual(await itemsOf(cole, "locations", "p2"));
    expect(await itemsOf(cole, "pat@localhost", "p2")).toEqual(coarsen(fix(2), KM));
  });

  it(
    "takes a viewer off the exact list from the next notification and every query after it; " +
      "coarse_km 0 is exact for all",
    async () => {
      await configure({ "geo#exact": [] });
      expect(await itemsOf(ella, "pat@localhost", "p2")).toEqual(coarsen(fix(2), KM));
      await publish(3, "p3");
      const [e3, c3] = await Promise.all([ella, cole].map((v) => waitItem(v, "pat@localhost", "p3")));
      expect(eventGeoloc(e3)).toEqual(coarsen(fix(3), KM));
      expect(eventGeoloc(c3)).toEqual(coarsen(fix(3), KM));
      // a viewer who was never given exact never gets it, on any stanza received so far
      for (const s of cole.received) expect(s.toString()).not.toContain("Marienplatz");
      await configure({ "geo#coarse_km": "0" });
      expect(await itemsOf(cole, "pat@localhost", "p3")).toEqual(fix(3));
      await publish(4, "p4");
      expect(eventGeoloc(await waitItem(cole, "pat@localhost", "p4"))).toEqual(fix(4));
    },
  );
});
