// Access on the digest and area paths (XEP-0060 §6.3 options): members see a whitelist publisher through digests,
// nobody else does, a revoked member stops seeing it, and a temporary digest subscription ends with its session.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventItems, geoloc, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const options = (fields: Record<string, string>) =>
  xml(
    "options",
    {},
    xml(
      "x",
      { xmlns: "jabber:x:data", type: "submit" },
      xml(
        "field",
        { var: "FORM_TYPE", type: "hidden" },
        xml("value", {}, "http://jabber.org/protocol/pubsub#subscribe_options"),
      ),
      ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
    ),
  );
// frequency 0: whatever one turn releases leaves at once, so the tests wait for events, not for periods
const DIGEST = { "pubsub#digest": "true", "pubsub#digest_frequency": "0" };

let stack: Stack;
let secret: TestClient, open: TestClient, friend: TestClient, stranger: TestClient, local: TestClient;
const mentionsSecret = (c: TestClient) => c.received.some((s: Element) => s.toString().includes("secret@localhost"));
const got = (c: TestClient, id: string) => c.waitFor((s) => eventItems(s).some((i) => i.attrs.id === id), id);

beforeAll(async () => {
  stack = await startStack();
  secret = await stack.user("secret");
  open = await stack.user("open");
  friend = await stack.viewer("friend");
  stranger = await stack.viewer("stranger");
  local = await stack.viewer("local"); // digest and an area around both publishers
  await secret.iq(
    "set",
    pubsub(
      xml(
        "publish",
        { node: "http://jabber.org/protocol/geoloc" },
        xml("item", { id: "s0" }, geoloc({ lat: 10, lon: 10 })),
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
  for (const v of [friend, stranger, local]) {
    const o = v === local ? { ...DIGEST, "geo#bbox": "9,9,11,11" } : DIGEST;
    for (const node of ["locations", "presence"])
      await v.iq("set", pubsub(xml("subscribe", { node, jid: v.jid }), options(o)));
  }
});
afterAll(() => stack?.stop());

describe("access on the digest and area paths", () => {
  it(
    "a member sees the whitelist publisher in its digest; " + "a stranger and an area stranger never learn of it",
    async () => {
      await secret.iq("set", publishEl(geoloc({ lat: 10.1, lon: 10.1 }), undefined, "s1"));
      await open.iq("set", publishEl(geoloc({ lat: 10.2, lon: 10.2 }), undefined, "c1"));
      const digest = await got(friend, "s1");
      expect(eventItems(digest, "locations").find((i) => i.attrs.id === "s1")!.attrs.publisher).toBe(
        "secret@localhost",
      );
      await Promise.all([got(friend, "c1"), got(stranger, "c1"), got(local, "c1")]);
      expect(mentionsSecret(stranger)).toBe(false);
      expect(mentionsSecret(local)).toBe(false);
    },
  );

  it("a revoked member sees nothing more of the publisher", async () => {
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
    const mark = friend.received.length;
    await secret.iq("set", publishEl(geoloc({ lat: 10.3, lon: 10.3 }), undefined, "s2"));
    await open.iq("set", publishEl(geoloc({ lat: 10.4, lon: 10.4 }), undefined, "c2"));
    await got(friend, "c2");
    expect(friend.received.slice(mark).some((s) => eventItems(s).some((i) => i.attrs.id === "s2"))).toBe(false);
    expect(mentionsSecret(stranger)).toBe(false);
  });

  it("a temporary digest subscription ends when its session goes offline (XEP-0060 §12.5)", async () => {
    const subs = () => new Map(stack.service.core.subscribers("locations").map((s) => [s.jid, s]));
    expect(subs()?.get(local.jid)?.options).toMatchObject({ digest: true, area: { south: 9 } });
    await local.send(xml("presence", { to: stack.componentJid, type: "unavailable" }));
    await local.iq("get", xml("ping", { xmlns: "urn:xmpp:ping" })); // after the presence, in order
    expect(subs()?.has(local.jid)).toBe(false);
  });
});
