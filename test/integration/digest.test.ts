// Digests through the real Prosody (XEP-0060 §6.3 subscription options): subscribe-and-configure, conflation that
// keeps stop-sharing and retractions, the 64 KiB split, options get/set, bad options refused, access held.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventItems, geoloc, NS_PUBSUB, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const OPTIONS = "http://jabber.org/protocol/pubsub#subscribe_options";
const form = (fields: Record<string, string>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, OPTIONS)),
    ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );
const setOptions = (c: TestClient, fields: Record<string, string>) =>
  pubsub(xml("options", { node: "locations", jid: c.jid }, form(fields)));
const values = (r: Element) =>
  Object.fromEntries(
    r
      .getChild("pubsub")!
      .getChild("options")!
      .getChild("x", "jabber:x:data")!
      .getChildren("field")
      .map((f) => [f.attrs.var, f.getChildText("value")]),
  );
/** ~8 KB of XEP-0080 text fields (each under the 1024-character cap) */
const big = (lat: number) =>
  geoloc({
    lat,
    lon: 1,
    ...Object.fromEntries(
      ["text", "description", "street", "building", "area", "locality", "region", "postalcode"].map((f) => [
        f,
        `${f}-`.padEnd(970, "x"),
      ]),
    ),
  });

let stack: Stack;
let vic: TestClient;
const pubs: TestClient[] = [];
let secret: TestClient;

beforeAll(async () => {
  stack = await startStack();
  vic = await stack.viewer("vic");
  for (let i = 0; i < 10; i++) pubs.push(await stack.user(`dp${i}`));
  secret = await stack.user("secret");
  // a whitelist node vic may not see (XEP-0060 §7.1.5 publish-options)
  await secret.iq(
    "set",
    pubsub(
      xml("publish", { node: "http://jabber.org/protocol/geoloc" }, xml("item", {}, geoloc({ lat: 9, lon: 9 }))),
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

const digests = (from: number) => vic.received.slice(from).filter((s) => eventItems(s, "locations").length > 0);

describe("digest subscriptions", () => {
  it("announces subscription-options in disco#info", async () => {
    const r = await vic.iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }));
    expect(
      r
        .getChild("query")!
        .getChildren("feature")
        .map((f) => f.attrs.var),
    ).toContain(`${NS_PUBSUB}#subscription-options`);
  });

  it("refuses bad options at subscribe and creates nothing", async () => {
    const bad = await vic.iqError(
      "set",
      pubsub(
        xml("subscribe", { node: "locations", jid: vic.jid }),
        xml("options", {}, form({ "pubsub#digest": "maybe" })),
      ),
    );
    expect([bad.condition, bad.pubsubCondition]).toEqual(["bad-request", "invalid-options"]);
    const unknown = await vic.iqError(
      "set",
      pubsub(
        xml("subscribe", { node: "locations", jid: vic.jid }),
        xml("options", {}, form({ "pubsub#expire": "presence" })),
      ),
    );
    expect(unknown.condition).toBe("not-acceptable");
    const subs = await vic.iq("get", pubsub(xml("subscriptions")));
    expect(subs.getChild("pubsub")!.getChild("subscriptions")!.getChildren("subscription")).toHaveLength(0);
  });

  it(
    "gathers a period into one <items node='locations'>: " +
      "newest per publisher, stop-sharing and retraction kept, split at 64 KiB, nothing of a hidden publisher",
    async () => {
      await vic.iq(
        "set",
        pubsub(
          xml("subscribe", { node: "locations", jid: vic.jid }),
          xml("options", {}, form({ "pubsub#digest": "1", "pubsub#digest_frequency": "60000" })),
        ),
      );
      const [p0, p1, p2, ...rest] = pubs;
      // the first change after a quiet spell leaves at once, alone
      const start = vic.received.length;
      await p0.iq("set", publishEl(geoloc({ lat: 0, lon: 0 }), undefined, "primer"));
      await vic.waitFor((s) => eventItems(s, "locations").some((i) => i.attrs.id === "primer"), "the first digest");
      // the period: nothing leaves for a minute
      const mark = vic.received.length;
      await p0.iq("set", publishEl(big(1), undefined, "p0-old"));
      await p0.iq("set", publishEl(big(2), undefined, "p0-new"));
      await p1.iq("set", publishEl(geoloc({}), undefined, "p1-stop"));
      await p1.iq("set", publishEl(big(3), undefined, "p1-back"));
      await p2.iq("set", publishEl(big(4), undefined, "p2-gone"));
      await p2.iq("set", pubsub(xml("retract", { node: "dp2@localhost" }, xml("item", { id: "p2-gone" }))));
      for (const [i, c] of rest.entries()) await c.iq("set", publishEl(big(10 + i), undefined, `r${i}`));
      await secret.iq("set", publishEl(geoloc({ lat: 8, lon: 8 }), undefined, "hidden"));
      await vic.iq("get", xml("ping", { xmlns: "urn:xmpp:ping" })); // a round trip: anything sent so far has arrived
      expect(vic.received.length).toBe(mark);
      // options set §6.3.5: digest off, so the period ends now
      await vic.iq("set", setOptions(vic, { "pubsub#digest": "false" }));
      const last = `r${rest.length - 1}`;
      await vic.waitFor((s) => eventItems(s, "locations").some((i) => i.attrs.id === last), "the digest");
      const got = vic.received.slice(mark);
      const retractAt = got.findIndex((s) =>
        eventItems(s, "dp2@localhost", true).some((r) => r.attrs.id === "p2-gone"),
      );
      const parts = digests(mark);
      expect(retractAt).toBeGreaterThanOrEqual(0);
      expect(retractAt).toBeLessThan(got.indexOf(parts[0])); // the retraction before the items
      const items = parts.flatMap((s) => eventItems(s, "locations"));
      expect(items.map((i) => i.attrs.id)).toEqual(["p0-new", "p1-stop", "p1-back", ...rest.map((_, i) => `r${i}`)]);
      expect(items.map((i) => i.attrs.publisher)).toEqual([
        "dp0@localhost",
        "dp1@localhost",
        "dp1@localhost",
        ...rest.map((c) => c.bare),
      ]);
      expect(parts.length).toBeGreaterThan(1);
      // + Prosody's stamping
      for (const s of parts) expect(Buffer.byteLength(s.toString())).toBeLessThanOrEqual(64 * 1024 + 200);
      expect(vic.received.slice(start).some((s) => JSON.stringify(s.toString()).includes("secret@localhost"))).toBe(
        false,
      );
      // live again
      await p0.iq("set", publishEl(geoloc({ lat: 5, lon: 5 }), undefined, "live"));
      await vic.waitFor(
        (s) => eventItems(s, "dp0@localhost").some((i) => i.attrs.id === "live"),
        "a live notification",
      );
    },
  );

  it("shows the current values (§6.3.2) and refuses bad ones without changing them (§6.3.5)", async () => {
    const r = await vic.iq("get", pubsub(xml("options", { node: "locations", jid: vic.jid })));
    expect(values(r)).toMatchObject({
      FORM_TYPE: OPTIONS,
      "pubsub#deliver": "true",
      "pubsub#digest": "false",
      "pubsub#digest_frequency": "60000",
    });
    const bad = await vic.iqError(
      "set",
      setOptions(vic, { "pubsub#digest": "true", "pubsub#digest_frequency": "soon" }),
    );
    expect([bad.condition, bad.pubsubCondition]).toEqual(["bad-request", "invalid-options"]);
    const unknown = await vic.iqError("set", setOptions(vic, { "pubsub#digest": "true", "geo#nonsense": "1" }));
    expect(unknown.condition).toBe("not-acceptable");
    const notMine = await vic.iqError("get", pubsub(xml("options", { node: "locations", jid: "dp0@localhost" })));
    expect(notMine.condition).toBe("forbidden");
    expect(
      values(await vic.iq("get", pubsub(xml("options", { node: "locations", jid: vic.jid }))))["pubsub#digest"],
    ).toBe("false");
  });
});
