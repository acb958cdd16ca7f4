// Ingest: a plain XMPP client that only publishes XEP-0080 to its own PEP node (XEP-0163) is a publisher once it
// shares presence with the service. Real Prosody (mod_pep), real component, plain @xmpp/client users.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capsVer } from "../../component/src/xmpp/caps.ts";
import { geoloc, isEvent, NS_EVENT, NS_GEOLOC, pubsub, type TestClient } from "../support/client.ts";
import { autoApprove, pepPublish, pepRetract, eventItem, presenceIs } from "../support/pep.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let viewer: TestClient;
const logs: string[] = [];

beforeAll(async () => {
  stack = await startStack({ log: (l) => logs.push(l) });
  viewer = await stack.viewer("watcher");
  await viewer.iq("set", pubsub(xml("subscribe", { node: "presence", jid: viewer.jid })));
  await viewer.iq("set", pubsub(xml("subscribe", { node: "locations", jid: viewer.jid })));
});
afterAll(() => stack?.stop());

const item = eventItem;

/** A user who adds the service as a contact, as any client's "add contact" does, and approves its request back. */
async function pepUser(name: string): Promise<TestClient> {
  const u = await stack.user(name, "phone");
  autoApprove(u);
  await u.send(xml("presence")); // initial presence: nothing directed at the service
  await u.send(xml("presence", { to: stack.componentJid, type: "subscribe" }));
  return u;
}

describe("PEP ingest", () => {
  it(
    "announces XEP-0115 caps with geoloc+notify and answers " + "disco#info for node#ver with a ver that verifies",
    async () => {
      const u = await pepUser("capsy");
      const p = await u.waitFor(
        (s) =>
          s.is("presence") &&
          s.attrs.from === stack.componentJid &&
          !s.attrs.type &&
          !!s.getChild("c", "http://jabber.org/protocol/caps"),
        "the service's presence with caps",
      );
      const c = p.getChild("c", "http://jabber.org/protocol/caps")!;
      expect(c.attrs.hash).toBe("sha-1");
      const r = await u.iq(
        "get",
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node: `${c.attrs.node}#${c.attrs.ver}` }),
      );
      const q = r.getChild("query")!;
      expect(q.attrs.node).toBe(`${c.attrs.node}#${c.attrs.ver}`);
      expect(q.getChildren("feature").map((f) => f.attrs.var)).toContain(`${NS_GEOLOC}+notify`);
      expect(capsVer(q)).toBe(c.attrs.ver); // XEP-0115 §5.4: the receiver's own computation matches
    },
  );

  it(
    "shows a user who only publishes to their own PEP node to viewers of locations, " + "with publisher and presence",
    async () => {
      const u = await pepUser("pepper");
      await pepPublish(u, geoloc({ lat: 48.1, lon: 11.5, accuracy: 10, timestamp: "2026-11-26T10:00:00Z" }), "fix1");
      const msg = await viewer.waitFor(
        (s) => isEvent(s, "pepper@localhost", (i) => i.attrs.id === "fix1"),
        "pepper's PEP fix on locations",
      );
      expect(item(msg).attrs.publisher).toBe("pepper@localhost");
      expect(item(msg).getChild("geoloc", NS_GEOLOC)!.getChildText("lat")).toBe("48.1");
      await viewer.waitFor(presenceIs("pepper@localhost", false), "pepper online");
      // it is stored like a publish: items on the personal node and on locations
      const r = await viewer.iq("get", pubsub(xml("items", { node: "pepper@localhost" })));
      const items = r.getChild("pubsub")!.getChild("items")!.getChildren("item");
      expect(items.map((i) => [i.attrs.id, i.attrs.publisher])).toEqual([["fix1", "pepper@localhost"]]);
    },
  );

  it("follows later PEP updates, drops an invalid one (logged) and takes retractions", async () => {
    const u = await pepUser("paula");
    await pepPublish(u, geoloc({ lat: 1, lon: 1 }), "a");
    await viewer.waitFor((s) => isEvent(s, "paula@localhost", (i) => i.attrs.id === "a"), "paula a");
    // Prosody's PEP stores anything; the service validates it exactly like a publish (XEP-0080 §4: lat in [-90, 90])
    await pepPublish(u, geoloc({ lat: 200, lon: 1 }), "bad");
    await pepPublish(u, geoloc({ lat: 2, lon: 2 }), "b");
    await viewer.waitFor((s) => isEvent(s, "paula@localhost", (i) => i.attrs.id === "b"), "paula b");
    expect(viewer.received.some((s) => isEvent(s, "paula@localhost", (i) => i.attrs.id === "bad"))).toBe(false);
    expect(logs.some((l) => l.includes("paula@localhost's item bad") && l.includes("invalid-payload"))).toBe(true);
    // XEP-0080 §4.1: an empty <geoloc/> is "stopped sharing", as when published to the service
    await pepPublish(u, geoloc({}), "stop");
    const stop = await viewer.waitFor(
      (s) => isEvent(s, "paula@localhost", (i) => i.attrs.id === "stop"),
      "paula stopped",
    );
    expect(item(stop).getChild("geoloc", NS_GEOLOC)!.children).toHaveLength(0);
    // Prosody's PEP node keeps one item (max_items 1): its current one is retracted, and so it is on the service
    await pepRetract(u, "stop");
    await viewer.waitFor(
      (s) =>
        s.getChild("event", NS_EVENT)?.getChild("items")?.attrs.node === "paula@localhost" &&
        !!s
          .getChild("event", NS_EVENT)!
          .getChild("items")!
          .getChildren("retract")
          .some((r) => r.attrs.id === "stop"),
      "stop retracted",
    );
    const r = await viewer.iq("get", pubsub(xml("items", { node: "paula@localhost" })));
    expect(
      r
        .getChild("pubsub")!
        .getChild("items")!
        .getChildren("item")
        .map((i) => i.attrs.id),
    ).toEqual(["a", "b"]);
  });

  it("delivers the last PEP fix before the offline presence when the user drops", async () => {
    const u = await pepUser("percy");
    await pepPublish(u, geoloc({ lat: 3, lon: 3 }), "p1");
    await viewer.waitFor(presenceIs("percy@localhost", false), "percy online");
    await viewer.waitFor((s) => isEvent(s, "percy@localhost", (i) => i.attrs.id === "p1"), "percy p1");
    // the PEP publish is acknowledged (Prosody has notified the service), then the connection drops without a goodbye
    await pepPublish(u, geoloc({ lat: 4, lon: 4 }), "p2");
    u.drop();
    await viewer.waitFor(presenceIs("percy@localhost", true), "percy offline");
    const ix = (pred: (s: Element) => boolean) => viewer.received.findIndex(pred);
    const fix = ix((s) => isEvent(s, "percy@localhost", (i) => i.attrs.id === "p2"));
    expect(fix).toBeGreaterThanOrEqual(0);
    expect(fix).toBeLessThan(ix(presenceIs("percy@localhost", true)));
  });

  it(
    "shows a user whose PEP node already holds a fix as soon " + "as they share presence (XEP-0163 §4.3.4 last item)",
    async () => {
      const u = await stack.user("olga", "phone");
      autoApprove(u);
      await u.send(xml("presence"));
      await pepPublish(u, geoloc({ lat: 7, lon: 7 }), "before");
      await u.send(xml("presence", { to: stack.componentJid, type: "subscribe" }));
      const msg = await viewer.waitFor(
        (s) => isEvent(s, "olga@localhost", (i) => i.attrs.id === "before"),
        "olga's earlier PEP fix",
      );
      expect(item(msg).attrs.publisher).toBe("olga@localhost");
    },
  );

  it("does not double the last PEP fix that Prosody resends when the service comes back", async () => {
    const u = await pepUser("remy");
    await pepPublish(u, geoloc({ lat: 8, lon: 8 }), "r1");
    await viewer.waitFor((s) => isEvent(s, "remy@localhost", (i) => i.attrs.id === "r1"), "remy r1");
    const repeats = stack.service.pep.repeats;
    // a clean restart of the component: unavailable to PEP publishers, reconnect, caps again -> mod_pep resends r1
    const caps = (s: Element) =>
      s.is("presence") &&
      s.attrs.from === stack.componentJid &&
      !s.attrs.type &&
      !!s.getChild("c", "http://jabber.org/protocol/caps");
    const seen = u.received.filter(caps).length;
    const back = new Promise((r) => stack.entity.once("online", r));
    await stack.service.farewell();
    await stack.entity.stop();
    await stack.entity.start();
    await back;
    await u.waitFor(
      (s) => s.is("presence") && s.attrs.from === stack.componentJid && s.attrs.type === "unavailable",
      "the service's goodbye",
    );
    await u.waitFor((s) => caps(s) && u.received.filter(caps).length > seen, "the service's caps presence again");
    // mod_pep sent the resend to the service before delivering that presence; a new fix after it orders the rest
    await pepPublish(u, geoloc({ lat: 9, lon: 9 }), "r2");
    await viewer.waitFor((s) => isEvent(s, "remy@localhost", (i) => i.attrs.id === "r2"), "remy r2");
    expect(viewer.received.filter((s) => isEvent(s, "remy@localhost", (i) => i.attrs.id === "r1"))).toHaveLength(1);
    expect(stack.service.pep.repeats).toBeGreaterThan(repeats); // it did come back, and was recognised
  });

  it(
    "ignores a geoloc event a client sends from its full " + "JID (only the user's server speaks for its PEP node)",
    async () => {
      const m = await stack.user("mallory");
      await m.send(xml("presence", { to: stack.componentJid }));
      await m.send(
        xml(
          "message",
          { to: stack.componentJid, type: "headline" },
          xml(
            "event",
            { xmlns: NS_EVENT },
            xml("items", { node: NS_GEOLOC }, xml("item", { id: "forged" }, geoloc({ lat: 5, lon: 5 }))),
          ),
        ),
      );
      // a publish after it, on the same stream: once its notification arrives the forged message has been processed
      await m.iq(
        "set",
        pubsub(xml("publish", { node: NS_GEOLOC }, xml("item", { id: "real" }, geoloc({ lat: 6, lon: 6 })))),
      );
      await viewer.waitFor(
        (s) => isEvent(s, "mallory@localhost", (i) => i.attrs.id === "real"),
        "mallory's real publish",
      );
      expect(viewer.received.some((s) => isEvent(s, "mallory@localhost", (i) => i.attrs.id === "forged"))).toBe(false);
    },
  );
});
