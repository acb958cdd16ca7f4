// Two instances for one domain on ejabberd (bare_source), one PostgreSQL: reads through the viewer's instance of a
// publisher served by the other instance come from PostgreSQL (items, locations, the presence snapshot, the replay on
// subscribe, disco#items), not from the viewer's instance's memory. Propagation: cluster-propagation.test.ts.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../support/cluster.ts";
import { isEvent, pubsub, type TestClient } from "../support/client.ts";
import type { Ejabberd } from "../support/ejabberd.ts";
import { fix, twoInstances } from "../support/two-instances.ts";

const two = twoInstances("geo_propagation");
// a publisher whose stanzas reach instance A, a viewer whose stanzas reach instance B (A != B)
let alice: TestClient, viewer: TestClient, A: Instance, B: Instance, ejd: Ejabberd, clients: TestClient[];
beforeAll(() => {
  ({ alice, viewer, A, B, ejd, clients } = two);
});

describe("reads of another instance's publisher, from PostgreSQL", () => {
  let bob: TestClient;
  const lats = (el: Element) =>
    el
      .getChild("pubsub")!
      .getChild("items")!
      .getChildren("item")
      .map((i) => i.getChild("geoloc")?.getChildText("lat"));

  beforeAll(async () => {
    // a publisher on A's slot whose node exists (so B knows it), then several fixes B's memory never saw
    bob = clients.find((c) => c !== alice && A.senders.has(c.bare)) ?? alice;
    // B reads the new node back from PostgreSQL when told of it: only then the next fixes, which B is never told of
    const known = B.nextRemote((c) => c.kind === "node" && c.name === bob.bare, "B learning bob's new node");
    await bob.iq("set", fix(10));
    await known;
    for (const lat of [11, 12]) await bob.iq("set", fix(lat));
    expect(B.service.core.node(bob.bare)?.items.map((i) => i.geoloc.lat)).toEqual(["10"]);
  });

  it("answers items of the publisher's node with every acknowledged fix", async () => {
    expect(lats(await viewer.iq("get", pubsub(xml("items", { node: bob.bare }))))).toEqual(["10", "11", "12"]);
    expect(lats(await viewer.iq("get", pubsub(xml("items", { node: bob.bare, max_items: "1" }))))).toEqual(["12"]);
  });

  it("answers items of locations with the publisher's latest fix", async () => {
    const r = await viewer.iq("get", pubsub(xml("items", { node: "locations" })));
    const mine = r
      .getChild("pubsub")!
      .getChild("items")!
      .getChildren("item")
      .filter((i) => i.attrs.publisher === bob.bare);
    expect(mine.map((i) => i.getChild("geoloc")?.getChildText("lat"))).toEqual(["12"]);
  });

  it("answers the presence snapshot with the presence the publisher's instance recorded", async () => {
    await bob.send(xml("presence", { to: ejd.component }, xml("show", {}, "away")));
    await bob.iq("get", xml("ping", { xmlns: "urn:xmpp:ping" })); // answered after A committed what it recorded before
    const r = await viewer.iq("get", pubsub(xml("items", { node: "presence" }, xml("item", { id: bob.bare }))));
    const p = r.getChild("pubsub")!.getChild("items")!.getChild("item")!.getChild("presence")!;
    expect(p.getChildText("show")).toBe("away");
    expect(B.service.core.presenceOf(bob.bare) !== undefined).toBe(false); // not from B's memory
  });

  it(
    "replays the stored latest item on subscribe (XEP-0060 §6.1.7), " + "not the one in the viewer's instance's memory",
    async () => {
      const before = viewer.received.length; // the viewer's stanzas reach B, whose memory holds bob's first fix only
      await viewer.iq("set", pubsub(xml("subscribe", { node: bob.bare, jid: viewer.bare })));
      const replay = await viewer.waitFor(
        (s) => viewer.received.indexOf(s) >= before && isEvent(s, bob.bare) && !!s.getChild("delay", "urn:xmpp:delay"),
        "the replayed item",
      );
      expect(
        replay.getChild("event")!.getChild("items")!.getChild("item")!.getChild("geoloc")!.getChildText("lat"),
      ).toBe("12");
    },
  );

  it("answers disco#items of the publisher's node with the stored item ids", async () => {
    const ids = (await bob.iq("get", pubsub(xml("items", { node: bob.bare }))))
      .getChild("pubsub")!
      .getChild("items")!
      .getChildren("item")
      .map((i) => i.attrs.id);
    const r = await viewer.iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items", node: bob.bare }));
    expect(
      r
        .getChild("query")!
        .getChildren("item")
        .map((i) => i.attrs.name),
    ).toEqual(ids);
  });
});
