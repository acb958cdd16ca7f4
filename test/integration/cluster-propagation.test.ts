// Two instances for one domain on ejabberd (bare_source), one PostgreSQL: a subscription or a node change made
// through one instance takes effect on the other through LISTEN/NOTIFY (store/postgres-listen.ts) within the
// stated bound of 1 s (measured from the acknowledgement of the change to the other instance's memory). Reads of
// another instance's publisher: cluster-propagation-reads.test.ts.
import { xml } from "@xmpp/client";
import { beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../support/cluster.ts";
import { isEvent, owner, pubsub, type TestClient } from "../support/client.ts";
import type { Ejabberd } from "../support/ejabberd.ts";
import { fix, twoInstances } from "../support/two-instances.ts";

const BOUND_MS = 1000;
const two = twoInstances("geo_propagation");
// a publisher whose stanzas reach instance A, a viewer whose stanzas reach instance B (A != B)
let alice: TestClient, viewer: TestClient, A: Instance, B: Instance, ejd: Ejabberd;
beforeAll(() => {
  ({ alice, viewer, A, B, ejd } = two);
});

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
