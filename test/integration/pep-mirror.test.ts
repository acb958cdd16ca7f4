// Mirror mode: Prosody grants the service XEP-0356 privileges (mod_privilege from Debian's prosody-modules,
// urn:xmpp:privilege:2); the service writes accepted fixes onto publishers' own PEP geoloc nodes, learns presence
// without subscriptions, and neither loops nor doubles. Real Prosody, real component, plain @xmpp/client users.
import { xml } from "@xmpp/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coarsen } from "../../component/src/core/coarse.ts";
import { geoloc, isEvent, NS_EVENT, NS_GEOLOC, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import {
  autoApprove,
  barrier,
  isPepEvent,
  pepPublish,
  wantGeolocNotify,
  eventItem,
  presenceIs,
} from "../support/pep.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let viewer: TestClient;
const logs: string[] = [];
const logWaiters: Array<{ pred: (l: string) => boolean; resolve: () => void }> = [];
const waitLog = (pred: (l: string) => boolean, what: string, ms = 15_000) =>
  new Promise<void>((resolve, reject) => {
    if (logs.some(pred)) return resolve();
    const t = setTimeout(() => reject(new Error(`timed out waiting for log: ${what}\n${logs.join("\n")}`)), ms);
    logWaiters.push({
      pred,
      resolve: () => {
        clearTimeout(t);
        resolve();
      },
    });
  });

beforeAll(async () => {
  stack = await startStack({
    prosody: { mirror: true },
    log: (l) => {
      logs.push(l);
      for (const w of logWaiters.splice(0)) w.pred(l) ? w.resolve() : logWaiters.push(w);
    },
  });
  viewer = await stack.viewer("watcher");
  await viewer.iq("set", pubsub(xml("subscribe", { node: "presence", jid: viewer.jid })));
  await viewer.iq("set", pubsub(xml("subscribe", { node: "locations", jid: viewer.jid })));
});
afterAll(() => stack?.stop());

const pepItem = eventItem;

/**
 * Mutual presence subscription (roster `both`), as between two friends. Prosody's mod_pep needs it for +notify:
 * the contact's caps presence must reach the user (the user subscribed to the contact), and the user's PEP
 * access model `presence` needs the contact subscribed to the user. Both fetch the roster first: Prosody delivers
 * `subscribed` only to resources that did (RFC 6121 §2.1.6 "interested resources").
 */
async function befriend(contact: TestClient, user: TestClient): Promise<void> {
  for (const c of [contact, user]) {
    autoApprove(c);
    await c.iq("get", xml("query", { xmlns: "jabber:iq:roster" }), c.bare);
    await c.send(xml("presence"));
  }
  for (const [a, b] of [
    [contact, user],
    [user, contact],
  ]) {
    await a.send(xml("presence", { to: b.bare, type: "subscribe" }));
    await a.waitFor(
      (s) => s.is("presence") && s.attrs.from === b.bare && s.attrs.type === "subscribed",
      `${b.bare} approves ${a.bare}`,
    );
  }
}

describe("mirror mode (XEP-0356)", () => {
  it("reads the privileges Prosody advertises at connect and logs the mode", async () => {
    await waitLog((l) => l.startsWith("mode for localhost: mirror"), "mirror mode");
    expect(logs.find((l) => l.startsWith("mode for localhost"))).toContain("iq pubsub: set, presence: managed_entity");
    expect(stack.service.mirror.enabledFor("anyone@localhost")).toBe(true);
  });

  it(
    "writes a fix published to the service onto the publisher's PEP node: " +
      "a roster contact with +notify gets it, publisher = the publisher",
    async () => {
      const alice = await stack.user("alice", "phone");
      const carol = await stack.user("carol", "laptop");
      await befriend(carol, alice);
      await wantGeolocNotify(carol);
      const r = await alice.iq("set", publishEl(geoloc({ lat: 52.5, lon: 13.4, accuracy: 5 })));
      const id = r.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id;
      const ev = await carol.waitFor(isPepEvent("alice@localhost", id), "the mirrored item from alice's PEP node");
      expect(ev.attrs.type).toBe("headline");
      expect(pepItem(ev).attrs.publisher).toBe("alice@localhost");
      expect(pepItem(ev).getChild("geoloc", NS_GEOLOC)!.getChildText("lat")).toBe("52.5");
      // and it is alice's real PEP item: her own items query shows it
      const own = await alice.iq("get", pubsub(xml("items", { node: NS_GEOLOC })), alice.bare);
      expect(own.getChild("pubsub")!.getChild("items")!.getChild("item")!.attrs.id).toBe(id);
    },
  );

  it(
    "learns a publisher's presence through the presence permission, " + "without a subscription or directed presence",
    async () => {
      const erin = await stack.user("erin"); // never answers the service's subscription request
      await erin.iq("set", publishEl(geoloc({ lat: 1, lon: 1 })));
      await erin.send(xml("presence")); // plain initial presence, broadcast to no one
      await viewer.waitFor(presenceIs("erin@localhost", false), "erin online");
      await erin.stop();
      await viewer.waitFor(presenceIs("erin@localhost", true), "erin offline");
    },
  );

  it("recognises its own mirrored fix coming back as a PEP event and drops it: viewers get it once", async () => {
    const bob = await stack.user("bob", "phone");
    autoApprove(bob); // bob shares presence with the service: it receives his PEP events (ingest)
    await bob.send(xml("presence"));
    await bob.iq("set", publishEl(geoloc({ lat: 10, lon: 10 }), undefined, "seed"));
    await bob.waitFor(
      (s) =>
        s.is("presence") && s.attrs.from === stack.componentJid && !!s.getChild("c", "http://jabber.org/protocol/caps"),
      "caps presence after approving",
    );
    const echoes = stack.service.pep.echoes;
    const r = await bob.iq("set", publishEl(geoloc({ lat: 11, lon: 11 })));
    const id = r.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id;
    await waitLog((l) => l.includes(`bob@localhost's item ${id}: the service's own mirrored fix`), "the echo dropped");
    expect(stack.service.pep.echoes).toBeGreaterThan(echoes); // (the seed's echo may be counted too)
    // a later fix through the same FIFO: any double of `id` would have reached the viewer before it
    await bob.iq("set", publishEl(geoloc({ lat: 12, lon: 12 }), undefined, "after"));
    await viewer.waitFor((s) => isEvent(s, "bob@localhost", (i) => i.attrs.id === "after"), "bob's later fix");
    const got = viewer.received.filter((s) => isEvent(s, "bob@localhost", (i) => i.attrs.id === id));
    expect(got, got.map(String).join("\n") + logs.join("\n")).toHaveLength(1);
  });

  it("does not mirror a fix ingested from PEP back onto the PEP node", async () => {
    const dave = await stack.user("dave", "phone");
    const frank = await stack.user("frank", "laptop");
    await befriend(frank, dave);
    await wantGeolocNotify(frank);
    await dave.send(xml("presence", { to: stack.componentJid, type: "subscribe" })); // dave adds the service
    await dave.waitFor(
      (s) =>
        s.is("presence") &&
        s.attrs.from === stack.componentJid &&
        !s.attrs.type &&
        !!s.getChild("c", "http://jabber.org/protocol/caps"),
      "the service's caps presence",
    );
    const written = stack.service.mirror.written + stack.service.mirror.failed;
    await pepPublish(dave, geoloc({ lat: 20, lon: 20 }), "d1");
    await viewer.waitFor((s) => isEvent(s, "dave@localhost", (i) => i.attrs.id === "d1"), "d1 ingested");
    await frank.waitFor(isPepEvent("dave@localhost", "d1"), "d1 on dave's PEP node");
    // a mirror write would have been sent before the viewer's notification, and Prosody would have notified frank
    // before routing that notification; a round trip from frank to his server orders everything sent to him before
    await barrier(frank, "localhost");
    expect(frank.received.filter(isPepEvent("dave@localhost", "d1"))).toHaveLength(1);
    expect(stack.service.mirror.written + stack.service.mirror.failed).toBe(written);
    expect(stack.service.mirror.recent.has("dave@localhost", "d1")).toBe(false);
  });

  it(
    "mirrors what anyone may see: " + "with coarse sharing the PEP node gets the grid cell, never the exact fix",
    async () => {
      const gina = await stack.user("gina", "phone");
      const hank = await stack.user("hank", "laptop");
      await befriend(hank, gina);
      await wantGeolocNotify(hank);
      await gina.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "g0"));
      await gina.iq(
        "set",
        owner(
          xml(
            "configure",
            { node: "gina@localhost" },
            xml(
              "x",
              { xmlns: "jabber:x:data", type: "submit" },
              xml("field", { var: "geo#coarse_km" }, xml("value", {}, "10")),
              xml("field", { var: "geo#exact" }, xml("value", {}, "hank@localhost")),
            ),
          ),
        ),
      );
      const exact = {
        lat: "45.764043",
        lon: "4.835659",
        accuracy: "3",
        street: "Place Bellecour",
        timestamp: "2026-12-02T10:00:00Z",
      };
      await gina.iq("set", publishEl(geoloc(exact), undefined, "g1"));
      const ev = await hank.waitFor(isPepEvent("gina@localhost", "g1"), "g1 on gina's PEP node");
      // hank is on geo#exact at the service, but a PEP node has one payload for all contacts: the coarse one
      const got = Object.fromEntries(
        pepItem(ev)
          .getChild("geoloc", NS_GEOLOC)!
          .getChildElements()
          .map((e) => [e.name, e.getText()]),
      );
      expect(got).toEqual(coarsen(exact, 10));
      expect(ev.toString()).not.toContain("Bellecour");
      // geo#share_until passed: the PEP node gets the empty geoloc (XEP-0080 §4.1), and later fixes are not mirrored
      await gina.iq(
        "set",
        owner(
          xml(
            "configure",
            { node: "gina@localhost" },
            xml(
              "x",
              { xmlns: "jabber:x:data", type: "submit" },
              xml("field", { var: "geo#share_until" }, xml("value", {}, "2020-01-01T00:00:00Z")),
            ),
          ),
        ),
      );
      const stop = await hank.waitFor(
        (s) =>
          s.is("message") &&
          s.attrs.from === "gina@localhost" &&
          s
            .getChild("event", NS_EVENT)
            ?.getChild("items")
            ?.getChild("item")
            ?.getChild("geoloc", NS_GEOLOC)
            ?.getChildElements().length === 0,
        "the stop on gina's PEP node",
      );
      expect(pepItem(stop).attrs.publisher).toBe("gina@localhost");
      await gina.iq("set", publishEl(geoloc({ lat: 45.7, lon: 4.8 }), undefined, "g2"));
      expect(stack.service.mirror.recent.has("gina@localhost", "g2")).toBe(false); // recorded before any mirror write
      expect(stack.service.mirror.recent.has("gina@localhost", "g1")).toBe(true); // (as the earlier fix was)
    },
  );
});
