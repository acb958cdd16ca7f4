// Nothing about a publisher reaches a viewer who may not see it, by any path (component/PROTOCOL.md "Access"): the
// answers are the same as for a node that does not exist, and no notification about it arrives, while a control viewer
// who may see the same publishers receives every event (so the test cannot pass by nothing being sent at all).
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geoloc, IqError, isEvent, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const DISCO_INFO = "http://jabber.org/protocol/disco#info";
const DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
const GHOST = "ghost@localhost"; // a valid user JID with no node
let stack: Stack;
let vic: TestClient, ctrl: TestClient;
/** the hidden publishers: whitelist without membership, authorize not approved, open but vic is an outcast */
const hidden: Record<string, TestClient> = {};
const HIDDEN = ["wanda@localhost", "arty@localhost", "otis@localhost"];

const options = (model: string) =>
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
const setAffiliation = (p: TestClient, jid: string, affiliation: string) =>
  p.iq("set", owner(xml("affiliations", { node: p.bare }, xml("affiliation", { jid, affiliation }))));

beforeAll(async () => {
  stack = await startStack();
  vic = await stack.viewer("vic");
  ctrl = await stack.viewer("ctrl");
  for (const [name, model] of [
    ["wanda", "whitelist"],
    ["arty", "authorize"],
    ["otis", "open"],
  ]) {
    const p = (hidden[name] = await stack.user(name));
    await p.send(xml("presence", { to: stack.componentJid }));
    await p.iq(
      "set",
      pubsub(
        xml(
          "publish",
          { node: "http://jabber.org/protocol/geoloc" },
          xml("item", { id: `${name}-0` }, geoloc({ lat: 10, lon: 10, text: "secret" })),
        ),
        options(model),
      ),
    );
  }
  await setAffiliation(hidden.wanda, "ctrl@localhost", "member");
  await setAffiliation(hidden.arty, "ctrl@localhost", "member"); // what an approval stores
  await setAffiliation(hidden.otis, "vic@localhost", "outcast");
  for (const v of [vic, ctrl]) {
    for (const node of ["locations", "presence"]) await v.iq("set", pubsub(xml("subscribe", { node, jid: v.jid })));
  }
});
afterAll(() => stack?.stop());

/** The reply to an IQ, result or error, as text with its id removed and the node's name (localpart) replaced:
 * an error echoes the request, which names the node and item asked for. */
async function answer(c: TestClient, type: "get" | "set", child: Element, node: string): Promise<string> {
  let reply: Element;
  try {
    reply = await c.iq(type, child);
  } catch (e) {
    if (!(e instanceof IqError)) throw e;
    reply = e.reply;
  }
  const { id: _id, ...attrs } = reply.attrs;
  return xml("iq", attrs, ...(reply.children as Element[]))
    .toString()
    .split(node.split("@")[0])
    .join("NAME");
}

/** Every request a viewer can make about one node. */
const probes = (node: string, jid: string): Array<[string, "get" | "set", Element]> => [
  ["disco#info", "get", xml("query", { xmlns: DISCO_INFO, node })],
  ["disco#items", "get", xml("query", { xmlns: DISCO_ITEMS, node })],
  ["items", "get", pubsub(xml("items", { node }))],
  ["items by id", "get", pubsub(xml("items", { node }, xml("item", { id: `${node.split("@")[0]}-0` })))],
  ["unsubscribe", "set", pubsub(xml("unsubscribe", { node, jid }))],
  ["publish", "set", publishEl(geoloc({ lat: 1, lon: 1 }), node)],
  ["retract", "set", pubsub(xml("retract", { node }, xml("item", { id: "x" })))],
  ["configure", "get", owner(xml("configure", { node }))],
  ["owner affiliations", "get", owner(xml("affiliations", { node }))],
  ["owner subscriptions", "get", owner(xml("subscriptions", { node }))],
  ["purge", "set", owner(xml("purge", { node }))],
  ["delete", "set", owner(xml("delete", { node }))],
];

describe("a viewer who may not see a publisher", () => {
  it("gets byte for byte the answer a nonexistent node gets, on every node-level request", async () => {
    for (const node of HIDDEN) {
      for (const [what, type, child] of probes(node, vic.jid)) {
        const ghostChild = probes(GHOST, vic.jid).find(([w]) => w === what)![2];
        expect(await answer(vic, type, child, node), `${what} on ${node}`).toBe(
          await answer(vic, type, ghostChild, GHOST),
        );
      }
    }
  });

  it(
    "gets the nonexistent-node error on subscribe, " + "except that an authorize node takes a request (pending)",
    async () => {
      for (const node of ["wanda@localhost", "otis@localhost"]) {
        expect(await answer(vic, "set", pubsub(xml("subscribe", { node, jid: vic.jid })), node), node).toBe(
          await answer(vic, "set", pubsub(xml("subscribe", { node: GHOST, jid: vic.jid })), GHOST),
        );
      }
      // XEP-0060 §6.1.6: asking is what authorize is for; the owner chose to be askable (README threat model)
      const r = await vic.iq("set", pubsub(xml("subscribe", { node: "arty@localhost", jid: vic.jid })));
      expect(r.getChild("pubsub")!.getChild("subscription")!.attrs.subscription).toBe("pending");
    },
  );

  it("finds no trace of them in discovery, the aggregate nodes or its subscriptions", async () => {
    const replies = [
      await vic.iq("get", xml("query", { xmlns: DISCO_ITEMS })),
      await vic.iq("get", xml("query", { xmlns: DISCO_ITEMS, node: "locations" })),
      await vic.iq("get", xml("query", { xmlns: DISCO_ITEMS, node: "presence" })),
      await vic.iq("get", pubsub(xml("items", { node: "locations" }))),
      await vic.iq("get", pubsub(xml("items", { node: "presence" }))),
      ...(await Promise.all(
        HIDDEN.map((id) => vic.iq("get", pubsub(xml("items", { node: "presence" }, xml("item", { id }))))),
      )),
      ...(await Promise.all(
        HIDDEN.map((id) =>
          vic.iq("get", pubsub(xml("items", { node: "locations" }, xml("item", { id: `${id.split("@")[0]}-0` })))),
        ),
      )),
      await vic.iq("get", pubsub(xml("subscriptions"))),
      await vic.iq("get", pubsub(xml("affiliations"))),
    ]
      .map(String)
      .join("\n");
    for (const jid of HIDDEN) expect(replies).not.toContain(jid.split("@")[0]);
    expect(replies).not.toContain("secret");
    // the control viewer, asking the same, sees all three
    const seen = String(await ctrl.iq("get", pubsub(xml("items", { node: "locations" }))));
    for (const jid of HIDDEN) expect(seen).toContain(jid);
  });

  it(
    "receives no notification about them while they publish and change presence; " + "the control viewer receives all",
    async () => {
      for (const [name, p] of Object.entries(hidden)) {
        await p.iq("set", publishEl(geoloc({ lat: 11, lon: 11, text: "secret" }), undefined, `${name}-1`));
        await p.send(xml("presence", { to: stack.componentJid }, xml("show", {}, "away")));
        await p.send(xml("presence", { to: stack.componentJid, type: "unavailable" }));
      }
      for (const jid of HIDDEN) {
        const name = jid.split("@")[0];
        await ctrl.waitFor((s) => isEvent(s, jid, (i) => i.attrs.id === `${name}-1`), `ctrl: ${name}'s fix`);
        await ctrl.waitFor(
          (s) =>
            isEvent(
              s,
              "presence",
              (i) => i.attrs.id === jid && i.getChild("presence")?.getChildText("show") === "away",
            ),
          `ctrl: ${name} away`,
        );
        await ctrl.waitFor(
          (s) =>
            isEvent(s, "presence", (i) => i.attrs.id === jid && i.getChild("presence")?.attrs.type === "unavailable"),
          `ctrl: ${name} offline`,
        );
      }
      // one FIFO for every notification: once vic has the marker, anything about them would have arrived before it
      const marker = await stack.user("marker");
      await marker.iq("set", publishEl(geoloc({ lat: 2, lon: 2 }), undefined, "marker"));
      await vic.waitFor((s) => isEvent(s, "marker@localhost", (i) => i.attrs.id === "marker"), "the marker");
      const everything = vic.received.map(String).join("\n");
      for (const jid of HIDDEN) expect(everything).not.toContain(jid.split("@")[0]);
      expect(everything).not.toContain("secret");
    },
  );
});
