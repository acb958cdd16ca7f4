// The authorize access model end to end (XEP-0060 §4.5, §6.1.6, §8.6): the request reaches the owner as a data
// form, the owner's submitted form decides, the viewer is told; the simulator's publishers answer by policy.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "../../component/src/simulator/session.ts";
import { geoloc, isEvent, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const AUTH = "http://jabber.org/protocol/pubsub#subscribe_authorization";
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const publishOptions = (model: string) =>
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
      xml("field", { var: "pubsub#access_model" }, xml("value", {}, model)),
    ),
  );

/** A publisher with an authorize node that has sent presence to the service (so requests reach this session). */
async function authorizePublisher(name: string, presence = true): Promise<TestClient> {
  const p = await stack.user(name);
  if (presence) await p.send(xml("presence", { to: stack.componentJid }));
  await p.iq(
    "set",
    pubsub(
      xml(
        "publish",
        { node: "http://jabber.org/protocol/geoloc" },
        xml("item", { id: "first" }, geoloc({ lat: 45.1, lon: 7.6 })),
      ),
      publishOptions("authorize"),
    ),
  );
  return p;
}

const formFields = (m: Element) =>
  Object.fromEntries(
    m
      .getChild("x", "jabber:x:data")!
      .getChildren("field")
      .map((f) => [f.attrs.var, f.getChildText("value")]),
  );
const isRequest = (node: string, jid: string) => (s: Element) =>
  s.is("message") &&
  s.attrs.from === stack.componentJid &&
  s.getChild("x", "jabber:x:data")?.attrs.type === "form" &&
  formFields(s).FORM_TYPE === AUTH &&
  formFields(s)["pubsub#node"] === node &&
  formFields(s)["pubsub#subscriber_jid"] === jid;
const isSubscriptionState = (node: string, state: string) => (s: Element) =>
  s.is("message") &&
  s.getChild("pubsub")?.getChild("subscription")?.attrs.node === node &&
  s.getChild("pubsub")!.getChild("subscription")!.attrs.subscription === state;

function answer(p: TestClient, request: Element, allow: boolean): Promise<void> {
  const f = formFields(request);
  return p.send(
    xml(
      "message",
      { to: stack.componentJid },
      xml(
        "x",
        { xmlns: "jabber:x:data", type: "submit" },
        ...["FORM_TYPE", "pubsub#subid", "pubsub#node", "pubsub#subscriber_jid"].map((v) =>
          xml("field", { var: v }, xml("value", {}, f[v])),
        ),
        xml("field", { var: "pubsub#allow" }, xml("value", {}, allow ? "true" : "false")),
      ),
    ),
  );
}

const itemsOf = async (c: TestClient, node: string) =>
  (await c.iq("get", pubsub(xml("items", { node })))).getChild("pubsub")!.getChild("items")!.getChildren("item");

describe("an authorize node", () => {
  it(
    "answers pending, asks the owner with the §8.6.1 form, " +
      "and on approval the viewer sees the publisher everywhere",
    async () => {
      const pat = await authorizePublisher("pat");
      const val = await stack.viewer("val");
      await val.iq("set", pubsub(xml("subscribe", { node: "presence", jid: val.jid })));
      await val.iq("set", pubsub(xml("subscribe", { node: "locations", jid: val.jid })));
      expect(await itemsOf(val, "locations")).toEqual([]);

      const r = await val.iq("set", pubsub(xml("subscribe", { node: "pat@localhost", jid: val.jid })));
      const sub = r.getChild("pubsub")!.getChild("subscription")!;
      expect(sub.attrs).toMatchObject({ node: "pat@localhost", jid: val.jid, subscription: "pending" });
      const request = await pat.waitFor(isRequest("pat@localhost", val.jid), "the authorization form");
      expect(request.attrs.type).toBeUndefined(); // a normal message: kept by the server if the owner is offline
      expect(formFields(request)).toMatchObject({ "pubsub#subid": sub.attrs.subid, "pubsub#allow": "false" });
      // still invisible while pending
      expect((await val.iqError("get", pubsub(xml("items", { node: "pat@localhost" })))).condition).toBe(
        "item-not-found",
      );

      await answer(pat, request, true);
      await val.waitFor(isSubscriptionState("pat@localhost", "subscribed"), "the approval");
      await val.waitFor((s) => isEvent(s, "pat@localhost", (i) => i.attrs.id === "first"), "the last item");
      expect((await itemsOf(val, "locations")).map((i) => i.attrs.publisher)).toEqual(["pat@localhost"]);
      await val.waitFor((s) => isEvent(s, "presence", (i) => i.attrs.id === "pat@localhost"), "pat's presence");
      await pat.iq("set", publishEl(geoloc({ lat: 45.2, lon: 7.7 }), undefined, "second"));
      await val.waitFor((s) => isEvent(s, "pat@localhost", (i) => i.attrs.id === "second"), "a live notification");
      // the approval is stored (a member affiliation), so it survives a restart
      const db = new Database(stack.dbFile, { readonly: true });
      try {
        expect(db.prepare("SELECT jid, affiliation FROM affiliations WHERE node = ?").all("pat@localhost")).toEqual([
          { jid: "val@localhost", affiliation: "member" },
        ]);
      } finally {
        db.close();
      }
      // the owner revokes it like any membership: the subscription ends
      await pat.iq(
        "set",
        owner(
          xml(
            "affiliations",
            { node: "pat@localhost" },
            xml("affiliation", { jid: "val@localhost", affiliation: "none" }),
          ),
        ),
      );
      await val.waitFor(isSubscriptionState("pat@localhost", "none"), "the end of the subscription");
      expect(await itemsOf(val, "locations")).toEqual([]);
    },
  );

  it("on denial tells the viewer none and shows nothing", async () => {
    const dan = await authorizePublisher("dan");
    const wes = await stack.viewer("wes");
    await wes.iq("set", pubsub(xml("subscribe", { node: "dan@localhost", jid: wes.jid })));
    await answer(dan, await dan.waitFor(isRequest("dan@localhost", wes.jid), "the form"), false);
    await wes.waitFor(isSubscriptionState("dan@localhost", "none"), "the denial");
    expect((await wes.iqError("get", pubsub(xml("items", { node: "dan@localhost" })))).condition).toBe(
      "item-not-found",
    );
    expect(await itemsOf(wes, "locations")).toEqual([]);
  });

  it("refuses an answer from anyone but the owner", async () => {
    await authorizePublisher("ona");
    const eve = await stack.viewer("eve");
    await eve.iq("set", pubsub(xml("subscribe", { node: "ona@localhost", jid: eve.jid })));
    await eve.send(
      xml(
        "message",
        { to: stack.componentJid, id: "forged" },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "FORM_TYPE" }, xml("value", {}, AUTH)),
          xml("field", { var: "pubsub#node" }, xml("value", {}, "ona@localhost")),
          xml("field", { var: "pubsub#subscriber_jid" }, xml("value", {}, eve.jid)),
          xml("field", { var: "pubsub#allow" }, xml("value", {}, "true")),
        ),
      ),
    );
    const err = await eve.waitFor(
      (s) => s.is("message") && s.attrs.type === "error" && s.attrs.id === "forged",
      "the error",
    );
    expect(err.getChild("error")!.getChildElements()[0].name).toBe("item-not-found");
    expect((await eve.iqError("get", pubsub(xml("items", { node: "ona@localhost" })))).condition).toBe(
      "item-not-found",
    );
  });

  it("asks an owner who was offline again when a session of it comes online", async () => {
    const quin = await authorizePublisher("quin", false);
    const ray = await stack.viewer("ray");
    await ray.iq("set", pubsub(xml("subscribe", { node: "quin@localhost", jid: ray.jid })));
    await quin.send(xml("presence", { to: stack.componentJid }));
    await answer(quin, await quin.waitFor(isRequest("quin@localhost", ray.jid), "the form after coming online"), true);
    await ray.waitFor(isSubscriptionState("quin@localhost", "subscribed"), "the approval");
  });
});

describe("the simulator's publishers", () => {
  for (const policy of ["allow", "deny"] as const) {
    it(`answer a request by policy: ${policy}`, async () => {
      const user = `simauth-${policy}`;
      stack.prosody.register(user, "pw");
      const session = new Session({
        server: stack.prosody.c2sService,
        domain: stack.prosody.domain,
        service: stack.componentJid,
        user,
        password: "pw",
        resource: "sim1",
        timeoutMs: 10_000,
        authorize: policy,
        onLost: () => {},
      });
      await session.start();
      try {
        session.presence();
        await session.publish({ lat: "1", lon: "1" }, "authorize");
        const v = await stack.viewer();
        const r = await v.iq("set", pubsub(xml("subscribe", { node: `${user}@localhost`, jid: v.jid })));
        expect(r.getChild("pubsub")!.getChild("subscription")!.attrs.subscription).toBe("pending");
        await v.waitFor(
          isSubscriptionState(`${user}@localhost`, policy === "allow" ? "subscribed" : "none"),
          `the ${policy}`,
        );
      } finally {
        await session.logout();
      }
    });
  }
});
