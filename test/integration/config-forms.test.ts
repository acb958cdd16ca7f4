// Never pretend to have set what was not set: node configuration (XEP-0060 §8.2), publish-options (§7.1.5) and
// subscription options (§6.3) against a real Prosody and the real component. A field or value the service does not
// support is refused and changes nothing; the forms the service sends list exactly what it supports.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_FIELDS } from "../../component/src/protocol/node-config.ts";
import { geoloc, NS_PUBSUB, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const NODE_CONFIG = "http://jabber.org/protocol/pubsub#node_config";
const PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options";

let stack: Stack;
let olga: TestClient;

const form = (type: string, fields: Record<string, string | string[]>, formType = type) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    ...(formType ? [xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, formType))] : []),
    ...Object.entries(fields).map(([k, v]) =>
      xml("field", { var: k }, ...(Array.isArray(v) ? v : [v]).map((x) => xml("value", {}, x))),
    ),
  );
const configure = (node: string, x: Element) => owner(xml("configure", { node }, x));
const fieldsOf = (x: Element) =>
  Object.fromEntries(x.getChildren("field").map((f) => [f.attrs.var, f.getChildren("value").map((v) => v.getText())]));
const configOf = async (c: TestClient, node: string) =>
  fieldsOf(
    (await c.iq("get", owner(xml("configure", { node })))).getChild("pubsub")!.getChild("configure")!.getChild("x")!,
  );
const itemIds = async (c: TestClient, node: string) =>
  (await c.iq("get", pubsub(xml("items", { node }))))
    .getChild("pubsub")!
    .getChild("items")!
    .getChildren("item")
    .map((i) => i.attrs.id);
const withOptions = (id: string, fields: Record<string, string>, formType = PUBLISH_OPTIONS) =>
  pubsub(
    xml("publish", { node: "http://jabber.org/protocol/geoloc" }, xml("item", { id }, geoloc({ lat: 1, lon: 2 }))),
    xml("publish-options", {}, form(formType, fields)),
  );

beforeAll(async () => {
  stack = await startStack();
  olga = await stack.user("olga");
  await olga.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "o1"));
});
afterAll(() => stack?.stop());

describe("node configuration (XEP-0060 §8.2)", () => {
  it("lists exactly the fields it supports, in the owner's form and the default form", async () => {
    const supported = ["FORM_TYPE", ...CONFIG_FIELDS.map((f) => f.var)].sort();
    expect(Object.keys(await configOf(olga, "olga@localhost")).sort()).toEqual(supported);
    const def = (await olga.iq("get", owner(xml("default")))).getChild("pubsub")!.getChild("default")!.getChild("x")!;
    expect(Object.keys(fieldsOf(def)).sort()).toEqual(supported);
  });

  it(
    "refuses an unknown field with not-acceptable and applies none of the form, " + "not even its known fields",
    async () => {
      const before = await configOf(olga, "olga@localhost");
      for (const unknown of [
        "geo#no_such_field",
        "pubsub#deliver_payloads",
        "pubsub#persist_items",
        "pubsub#notify_retract",
        "",
      ]) {
        const e = await olga.iqError(
          "set",
          configure("olga@localhost", form(NODE_CONFIG, { "pubsub#title": "changed", [unknown]: "1" })),
        );
        expect(e.condition, unknown).toBe("not-acceptable");
        expect(e.reply.getChild("error")!.getChildText("text"), unknown).toContain("not supported here");
      }
      expect(await configOf(olga, "olga@localhost")).toEqual(before);
    },
  );

  it(
    "refuses a value it does not offer with not-acceptable and a malformed form with bad-request, " +
      "changing nothing",
    async () => {
      const before = await configOf(olga, "olga@localhost");
      const cases: Array<[string, Element]> = [
        ["not-acceptable", form(NODE_CONFIG, { "pubsub#title": "x", "pubsub#access_model": "roster" })],
        ["not-acceptable", form(NODE_CONFIG, { "pubsub#itemreply": "owner" })],
        ["not-acceptable", form(NODE_CONFIG, { "pubsub#max_items": "0" })],
        ["bad-request", form(NODE_CONFIG, { "pubsub#max_items": ["2", "3"] })],
        ["bad-request", form("urn:not:node_config", { "pubsub#title": "x" })],
        [
          "bad-request",
          xml(
            "x",
            { xmlns: "jabber:x:data", type: "form" },
            xml("field", { var: "pubsub#title" }, xml("value", {}, "x")),
          ),
        ],
      ];
      for (const [condition, x] of cases)
        expect((await olga.iqError("set", configure("olga@localhost", x))).condition, x.toString()).toBe(condition);
      const twice = xml(
        "x",
        { xmlns: "jabber:x:data", type: "submit" },
        xml("field", { var: "pubsub#title" }, xml("value", {}, "a")),
        xml("field", { var: "pubsub#title" }, xml("value", {}, "b")),
      );
      expect((await olga.iqError("set", configure("olga@localhost", twice))).condition).toBe("bad-request");
      expect(await configOf(olga, "olga@localhost")).toEqual(before);
    },
  );

  it(
    "applies a form of supported fields, with or without FORM_TYPE, " + "and a cancelled form changes nothing (§8.2.4)",
    async () => {
      await olga.iq(
        "set",
        configure(
          "olga@localhost",
          form(NODE_CONFIG, { "pubsub#title": "Olga's bike", "pubsub#itemreply": "publisher" }),
        ),
      );
      expect((await configOf(olga, "olga@localhost"))["pubsub#title"]).toEqual(["Olga's bike"]);
      await olga.iq("set", configure("olga@localhost", form(NODE_CONFIG, { "pubsub#title": "no FORM_TYPE" }, "")));
      expect((await configOf(olga, "olga@localhost"))["pubsub#title"]).toEqual(["no FORM_TYPE"]);
      await olga.iq("set", configure("olga@localhost", xml("x", { xmlns: "jabber:x:data", type: "cancel" })));
      expect((await configOf(olga, "olga@localhost"))["pubsub#title"]).toEqual(["no FORM_TYPE"]);
    },
  );
});

describe("publish-options (XEP-0060 §7.1.5)", () => {
  it("refuses an unknown field or an unsupported value with not-acceptable: no item, no node", async () => {
    const p = await stack.user("pia");
    const refused: Array<[string, Record<string, string>]> = [
      ["not-acceptable", { "pubsub#persist_items": "true" }],
      ["not-acceptable", { "pubsub#access_model": "roster" }],
      ["not-acceptable", { "pubsub#access_model": "whitelist", "geo#bogus": "1" }],
    ];
    for (const [condition, fields] of refused)
      expect((await p.iqError("set", withOptions("p1", fields))).condition, JSON.stringify(fields)).toBe(condition);
    expect((await p.iqError("set", withOptions("p1", { "pubsub#access_model": "open" }, NODE_CONFIG))).condition).toBe(
      "bad-request",
    );
    // nothing was created: the node does not exist
    expect((await p.iqError("get", pubsub(xml("items", { node: "pia@localhost" })))).condition).toBe("item-not-found");
  });

  it(
    "creates a new node with the options, " + "and on an existing node refuses unmet preconditions with conflict",
    async () => {
      const q = await stack.user("quinn");
      await q.iq("set", withOptions("q1", { "pubsub#access_model": "whitelist", "pubsub#max_items": "2" }));
      const config = await configOf(q, "quinn@localhost");
      expect([config["pubsub#access_model"], config["pubsub#max_items"]]).toEqual([["whitelist"], ["2"]]);
      const e = await q.iqError("set", withOptions("q2", { "pubsub#access_model": "open" }));
      expect([e.condition, e.pubsubCondition]).toEqual(["conflict", "precondition-not-met"]);
      expect(e.reply.getChild("error")!.getChildText("text")).toContain("pubsub#access_model");
      await q.iq("set", withOptions("q3", { "pubsub#access_model": "whitelist", "pubsub#max_items": "2" })); // met
      expect(await itemIds(q, "quinn@localhost")).toEqual(["q1", "q3"]);
    },
  );
});

describe("subscription options (XEP-0060 §6.3)", () => {
  it(
    "refuses a subscribe that carries an option it does not offer, " + "instead of subscribing and ignoring it",
    async () => {
      const v = await stack.viewer("vic");
      const unknown = xml(
        "options",
        {},
        form("http://jabber.org/protocol/pubsub#subscribe_options", {
          "pubsub#deliver": "1",
          "pubsub#expire": "2030-01-01T00:00:00Z",
        }),
      );
      const e = await v.iqError("set", pubsub(xml("subscribe", { node: "olga@localhost", jid: v.jid }), unknown));
      expect(e.condition).toBe("not-acceptable"); // §6.3.7 / §6.3.5: an option the service does not support
      expect(e.reply.getChild("error")!.getChildText("text")).toContain("pubsub#expire");
      // §6.3.7: <options/> naming another node than the subscribe's is malformed
      const stray = xml(
        "options",
        { node: "someone-else@localhost" },
        form("http://jabber.org/protocol/pubsub#subscribe_options", {}),
      );
      expect(
        (await v.iqError("set", pubsub(xml("subscribe", { node: "olga@localhost", jid: v.jid }), stray))).condition,
      ).toBe("bad-request");
      const subs = (await v.iq("get", pubsub(xml("subscriptions"))))
        .getChild("pubsub")!
        .getChild("subscriptions")!
        .getChildren("subscription");
      expect(subs).toEqual([]); // nothing changed
      // one it offers is honoured, and the options form says so (§6.3.2)
      const offered = xml(
        "options",
        {},
        form("http://jabber.org/protocol/pubsub#subscribe_options", { "pubsub#deliver": "0" }),
      );
      await v.iq("set", pubsub(xml("subscribe", { node: "olga@localhost", jid: v.jid }), offered));
      const got = await v.iq("get", pubsub(xml("options", { node: "olga@localhost", jid: v.jid })));
      const deliver = got
        .getChild("pubsub")!
        .getChild("options")!
        .getChild("x", "jabber:x:data")!
        .getChildren("field")
        .find((f) => f.attrs.var === "pubsub#deliver");
      expect(["0", "false"]).toContain(deliver!.getChildText("value"));
    },
  );
});
