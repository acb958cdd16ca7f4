// Two instances for one domain on ejabberd (bare_source), one PostgreSQL: a subscription or a node change made
// through one instance takes effect on the other through LISTEN/NOTIFY (store/postgres-listen.ts) within the
// stated bound of 1 s (measured from the acknowledgement of the change to the other instance's memory).
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ejabberdUser, ownerOf, startInstance, type Instance } from "../support/cluster.ts";
import { geoloc, isEvent, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startEjabberd, type Ejabberd } from "../support/ejabberd.ts";
import { startPostgres, type Postgres } from "../support/postgres.ts";

const BOUND_MS = 1000;
let pgs: Postgres, ejd: Ejabberd;
const instances: Instance[] = [];
const clients: TestClient[] = [];
// a publisher whose stanzas reach instance A, a viewer whose stanzas reach instance B (A != B)
let alice: TestClient, viewer: TestClient, A: Instance, B: Instance;

beforeAll(async () => {
  [pgs, ejd] = await Promise.all([startPostgres(), startEjabberd({ componentNumber: 2 })]);
  const db = await pgs.createDatabase("geo_propagation");
  instances.push(await startInstance("one", ejd, db), await startInstance("two", ejd, db));
  // bare_source spreads users over the two slots: take users until each instance has one
  const by = new Map<Instance, TestClient>();
  for (let i = 0; by.size < 2; i++) {
    if (i === 40) throw new Error("40 users all reached one instance");
    const u = await ejabberdUser(ejd, `u${i}`);
    clients.push(u);
    const inst = await ownerOf(u, instances);
    if (!by.has(inst)) by.set(inst, u);
  }
  [A, B] = instances;
  [alice, viewer] = [by.get(A)!, by.get(B)!];
  // available (initial presence to its own server), so headlines to its bare JID are delivered (RFC 6121 §8.5.2.1.1)
  await viewer.send(xml("presence"));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  for (const i of instances) await i.stop();
  await ejd?.stop();
  await pgs?.stop();
});

const fix = (lat: number) => publishEl(geoloc({ lat, lon: 13.4 }));
const form = (accessModel: string) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml(
      "field",
      { var: "FORM_TYPE", type: "hidden" },
      xml("value", {}, "http://jabber.org/protocol/pubsub#node_config"),
    ),
    xml("field", { var: "pubsub#access_model" }, xml("value", {}, accessModel)),
  );

describe("two instances on one PostgreSQL", () => {
  it("a node created by the publisher's instance is known to the other within the bound", async () => {
    const learned = B.nextRemote((c) => c.kind === "node" && c.name === alice.bare, "alice's node");
    await alice.iq("set", fix(52.1));
    const acked = Date.now();
    const c = await learned;
    expect(Date.now() - acked).toBeLessThan(BOUND_MS);
    expect(c.kind === "node" && c.node?.items.map((i) => i.geoloc.lat)).toEqual(["52.1"]);
    expect(B.service.core.node(alice.bare) !== undefined).toBe(true);
    // the writer ignores its own notifications
    expect(A.service.core.node(alice.bare)?.items).toHaveLength(1);
  });

  it(
    "a subscription made through the viewer's instance reaches the publisher's instance, " +
      "which then notifies the viewer",
    async () => {
      const learned = A.nextRemote(
        (c) => c.kind === "subscription" && c.jid === viewer.bare,
        "the viewer's subscription",
      );
      await viewer.iq("set", pubsub(xml("subscribe", { node: alice.bare, jid: viewer.bare })));
      const acked = Date.now();
      await learned;
      expect(Date.now() - acked).toBeLessThan(BOUND_MS);
      expect(A.service.core.subscription(alice.bare, viewer.bare) !== undefined).toBe(true);
      await alice.iq("set", fix(52.2));
      await viewer.waitFor(
        (s) => isEvent(s, alice.bare, (i) => i.getChild("geoloc")?.getChildText("lat") === "52.2"),
        "alice's event",
      );
    },
  );

  it("a subscription to locations through one instance makes the other send every publisher's events", async () => {
    const learned = A.nextRemote(
      (c) => c.kind === "subscription" && c.node === "locations",
      "the locations subscription",
    );
    await viewer.iq("set", pubsub(xml("subscribe", { node: "locations", jid: viewer.bare })));
    await learned;
    await alice.iq("set", fix(52.3));
    const ev = await viewer.waitFor(
      (s) => isEvent(s, alice.bare, (i) => i.getChild("geoloc")?.getChildText("lat") === "52.3"),
      "alice's 3rd fix",
    );
    // one event per viewer even with both subscriptions (node and locations)
    expect(
      viewer.received.filter(
        (s) => s === ev || isEvent(s, alice.bare, (i) => i.getChild("geoloc")?.getChildText("lat") === "52.3"),
      ),
    ).toHaveLength(1);
  });

  it(
    "a temporary subscription (XEP-0060 §12.5) through the viewer's instance reaches " +
      "the publisher's instance and ends there when the viewer's resource goes offline",
    async () => {
      // directed presence: full-JID subscriptions are temporary
      await viewer.send(xml("presence", { to: ejd.component }));
      const learned = A.nextRemote(
        (c) => c.kind === "subscription" && c.jid === viewer.jid && !!c.subscription?.temporary,
        "the temporary subscription",
      );
      await viewer.iq("set", pubsub(xml("subscribe", { node: alice.bare, jid: viewer.jid })));
      await learned;
      await alice.iq("set", fix(52.25));
      await viewer.waitFor(
        (s) =>
          s.attrs.to === viewer.jid &&
          isEvent(s, alice.bare, (i) => i.getChild("geoloc")?.getChildText("lat") === "52.25"),
        "the event to the full JID",
      );
      const ended = A.nextRemote(
        (c) => c.kind === "subscription" && c.jid === viewer.jid && !c.subscription,
        "the end of the temporary subscription",
      );
      await viewer.send(xml("presence", { to: ejd.component, type: "unavailable" }));
      await ended;
      expect(A.service.core.subscription(alice.bare, viewer.jid) !== undefined).toBe(false);
    },
  );

  it("an unsubscribe through the viewer's instance stops the publisher's instance's fan-out to it", async () => {
    const learned = A.nextRemote(
      (c) => c.kind === "subscription" && c.node === alice.bare && !c.subscription,
      "the unsubscribe",
    );
    await viewer.iq("set", pubsub(xml("unsubscribe", { node: alice.bare, jid: viewer.bare })));
    await learned;
    expect(A.service.core.subscription(alice.bare, viewer.bare) !== undefined).toBe(false);
  });

  it(
    "an access-model change through the owner's instance takes " +
      "effect on the other instance's reads within the bound",
    async () => {
      const items = () => viewer.iq("get", pubsub(xml("items", { node: alice.bare })));
      expect((await items()).getChild("pubsub")?.getChild("items")?.getChildren("item").length).toBeGreaterThan(0);
      const learned = B.nextRemote((c) => c.kind === "node" && c.name === alice.bare, "alice's new configuration");
      await alice.iq("set", owner(xml("configure", { node: alice.bare }, form("whitelist"))));
      const acked = Date.now();
      await learned;
      expect(Date.now() - acked).toBeLessThan(BOUND_MS);
      // XEP-0060 §6.5.9.11 / component/PROTOCOL.md: a node the viewer may not see answers item-not-found
      const err = await viewer.iqError("get", pubsub(xml("items", { node: alice.bare })));
      expect(err.condition).toBe("item-not-found");
      // and the publisher's instance no longer sends alice's events to the viewer's locations subscription
      expect(
        A.service.core
          .notifyNode(A.service.core.node(alice.bare)!, { kind: "purge", node: alice.bare })
          .map((n) => n.to),
      ).not.toContain(viewer.bare);
      // an affiliation through the owner's instance lets the viewer see again
      const member = B.nextRemote(
        (c) => c.kind === "node" && c.name === alice.bare && c.node?.affiliations.get(viewer.bare) === "member",
        "the membership",
      );
      await alice.iq(
        "set",
        owner(
          xml("affiliations", { node: alice.bare }, xml("affiliation", { jid: viewer.bare, affiliation: "member" })),
        ),
      );
      await member;
      expect((await items()).getChild("pubsub")?.getChild("items")?.getChildren("item").length).toBeGreaterThan(0);
    },
  );

  it(
    "a share_until that has passed, set through the owner's instance, " + "ends sharing on the other instance too",
    async () => {
      const count = async () =>
        (await viewer.iq("get", pubsub(xml("items", { node: alice.bare }))))
          .getChild("pubsub")!
          .getChild("items")!
          .getChildren("item").length;
      expect(await count()).toBeGreaterThan(0);
      const shareUntil = (value: string) =>
        alice.iq(
          "set",
          owner(
            xml(
              "configure",
              { node: alice.bare },
              xml(
                "x",
                { xmlns: "jabber:x:data", type: "submit" },
                xml("field", { var: "geo#share_until" }, xml("value", {}, value)),
              ),
            ),
          ),
        );
      const ended = B.nextRemote(
        (c) => c.kind === "node" && c.name === alice.bare && c.node?.config.shareUntil !== undefined,
        "the deadline",
      );
      await shareUntil("2020-01-01T00:00:00Z");
      await ended;
      expect(B.service.core.node(alice.bare)!.sharingEnded).toBe(true); // B's own fan-out and replays
      expect(await count()).toBe(0); // B's reads from PostgreSQL
      const resumed = B.nextRemote(
        (c) => c.kind === "node" && c.name === alice.bare && c.node?.config.shareUntil === undefined,
        "the cleared deadline",
      );
      await shareUntil("");
      await resumed;
      expect(B.service.core.node(alice.bare)!.sharingEnded).toBe(false);
      expect(await count()).toBeGreaterThan(0);
    },
  );

  it("a node deleted through the owner's instance is gone on the other, with its subscriptions", async () => {
    await viewer.iq("set", pubsub(xml("subscribe", { node: alice.bare, jid: viewer.bare })));
    const gone = B.nextRemote((c) => c.kind === "node" && c.name === alice.bare && !c.node, "the deletion");
    await alice.iq("set", owner(xml("delete", { node: alice.bare })));
    await gone;
    expect(B.service.core.node(alice.bare) !== undefined).toBe(false);
    expect(B.service.core.subscribers(alice.bare)).toEqual([]);
  });
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
