// A real two-node ejabberd cluster (issue 22): two Erlang nodes joined with `ejabberdctl join_cluster`
// (test/support/ejabberd-cluster.ts), domain_balancing bare_source with 2 slots spanning both nodes, one shared
// PostgreSQL, one instance of the service next to each node, in this process. Publishers log in to node 1, viewers
// to node 2. The instances killed and the node lost: ./cluster-nodes-faults.ts, in the same test file.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, describe, expect, it } from "vitest";
import { NODES, NS } from "../../component/src/protocol/ns.ts";
import { ownerOf, startInstance, type Instance } from "./cluster.ts";
import { geoloc, NS_EVENT, publishEl, pubsub, type TestClient } from "./client.ts";
import type { ClusterFixture } from "./cluster-fixture.ts";

/** The items of a pubsub items result, as comparable text (delay stamps included: both read the same rows). */
const itemsOf = (r: Element) =>
  r.getChild("pubsub", NS.pubsub)!.getChild("items")!.getChildren("item").map(String).sort();

const AUTH = "http://jabber.org/protocol/pubsub#subscribe_authorization";
const fields = (m: Element) =>
  Object.fromEntries(
    m
      .getChild("x", "jabber:x:data")!
      .getChildren("field")
      .map((f) => [f.attrs.var, f.getChildText("value")]),
  );
const authorizeOptions = () =>
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
      xml("field", { var: "pubsub#access_model" }, xml("value", {}, "authorize")),
    ),
  );

/** Cross-node delivery and reads, on `fixture`'s cluster (registered by test/integration/cluster-nodes.test.ts). */
export function routingSuite(fixture: ClusterFixture): void {
  const { user } = fixture;
  describe("two ejabberd nodes, an instance next to each", () => {
    const instances: Instance[] = [];
    afterAll(async () => {
      for (const i of instances) await i.stop();
    });

    it(
      "delivers a publish on node 1 to a viewer on node 2 with publisher, " +
        "in order, and answers reads alike on both nodes",
      async () => {
        const db = await fixture.pgs.createDatabase("geo_nodes_routing");
        // in this process, so that the test sees which instance each user's stanzas reach
        instances.push(
          await startInstance("i1", fixture.cluster.nodes[0], db),
          await startInstance("i2", fixture.cluster.nodes[1], db),
        );
        const [i1, i2] = instances;
        const publishers = await Promise.all(Array.from({ length: 12 }, (_, k) => user(0, `rp${k}`)));
        // viewers on node 2 until one is served by each instance (bare_source: which one is the hash's choice)
        const viewers = new Map<Instance, TestClient>();
        for (let k = 0; viewers.size < 2 && k < 40; k++) {
          const v = await user(1, `rv${k}`);
          const owner = await ownerOf(v, instances);
          if (!viewers.has(owner)) viewers.set(owner, v);
        }
        expect(viewers.size).toBe(2);
        const owners = await Promise.all(publishers.map((p) => ownerOf(p, instances)));
        // both slots serve publishers of node 1: those of the slot held through node 2 cross the Erlang distribution
        expect(owners.filter((o) => o === i1).length).toBeGreaterThan(0);
        expect(owners.filter((o) => o === i2).length).toBeGreaterThan(0);

        for (const v of viewers.values()) {
          await v.send(xml("presence"));
          await v.iq("set", pubsub(xml("subscribe", { node: NODES.locations, jid: v.bare })));
        }
        for (const p of publishers) await p.send(xml("presence", { to: fixture.cluster.nodes[0].component }));
        for (let seq = 1; seq <= 5; seq++) {
          await Promise.all(
            publishers.map((p) =>
              p.iq("set", publishEl(geoloc({ lat: 52.5, lon: 13.4, text: seq }), undefined, `f${seq}`)),
            ),
          );
        }
        for (const v of viewers.values()) {
          const got = new Map<string, string[]>();
          await v.waitFor(
            () => {
              got.clear();
              for (const m of v.received) {
                for (const it of m.getChild("event", NS_EVENT)?.getChild("items")?.getChildren("item") ?? []) {
                  if (!got.has(it.attrs.publisher)) got.set(it.attrs.publisher, []);
                  got.get(it.attrs.publisher)!.push(it.attrs.id);
                }
              }
              return publishers.every((p) => got.get(p.bare)?.length === 5);
            },
            "5 items of every publisher",
            15_000,
          );
          for (const p of publishers)
            expect(got.get(p.bare), `${p.bare} at ${v.bare}`).toEqual(["f1", "f2", "f3", "f4", "f5"]);
        }

        // the same reads through each instance (the two viewers are served by different ones) and from node 1
        const readers = [...viewers.values(), await user(0, "rv-node1")];
        const reads = async (v: TestClient) => [
          itemsOf(await v.iq("get", pubsub(xml("items", { node: NODES.locations })))),
          itemsOf(await v.iq("get", pubsub(xml("items", { node: NODES.presence })))),
          itemsOf(await v.iq("get", pubsub(xml("items", { node: publishers[0].bare })))),
          itemsOf(await v.iq("get", pubsub(xml("items", { node: publishers.find((_, k) => owners[k] === i2)!.bare })))),
        ];
        const [a, b, c] = await Promise.all(readers.map(reads));
        expect(a[0]).toHaveLength(12);
        expect(a[1]).toHaveLength(12);
        expect(a[0].every((i) => i.includes("publisher="))).toBe(true);
        expect(b).toEqual(a);
        expect(c).toEqual(a);
      },
    );

    it(
      "keeps an authorize request in PostgreSQL: " +
        "the viewer asks through one instance, the owner answers through the other, both are told",
      async () => {
        const [i1, i2] = instances;
        // an owner and a viewer served by different instances
        let owner: TestClient | undefined, viewer: TestClient | undefined;
        for (let k = 0; !(owner && viewer) && k < 40; k++) {
          const c = await user(k % 2 === 0 ? 0 : 1, `az${k}`);
          const at = await ownerOf(c, instances);
          if (!owner && at === i2) owner = c;
          else if (!viewer && at === i1) viewer = c;
        }
        expect(owner && viewer).toBeTruthy();
        // available (a message to the bare JID reaches available resources), and to the service
        await owner!.send(xml("presence"));
        await owner!.send(xml("presence", { to: fixture.cluster.nodes[0].component }));
        await owner!.iq(
          "set",
          pubsub(
            xml("publish", { node: NS.geoloc }, xml("item", { id: "a1" }, geoloc({ lat: 1, lon: 2 }))),
            authorizeOptions(),
          ),
        );
        if (i1.service.core.node(owner!.bare) === undefined)
          await i1.nextRemote((c) => c.kind === "node" && c.name === owner!.bare, "the node at i1");
        await viewer!.send(xml("presence"));
        const r = await viewer!.iq("set", pubsub(xml("subscribe", { node: owner!.bare, jid: viewer!.bare })));
        expect(r.getChild("pubsub")!.getChild("subscription")!.attrs.subscription).toBe("pending");
        // the viewer's instance asked the owner; the owner's instance learns the request from PostgreSQL
        const request = await owner!.waitFor(
          (s) => s.is("message") && s.getChild("x", "jabber:x:data") !== undefined && fields(s).FORM_TYPE === AUTH,
          "the authorization form",
        );
        expect(fields(request)["pubsub#subscriber_jid"]).toBe(viewer!.bare);
        await new Promise<void>((resolve) =>
          i2.service.core.pendingRequests(owner!.bare).some((r) => r.jid === viewer!.bare)
            ? resolve()
            : void i2
                .nextRemote((c) => c.kind === "pending" && c.node === owner!.bare, "the pending request at i2")
                .then(() => resolve()),
        );
        await owner!.send(
          xml(
            "message",
            { to: fixture.cluster.nodes[0].component },
            xml(
              "x",
              { xmlns: "jabber:x:data", type: "submit" },
              ...["FORM_TYPE", "pubsub#subid", "pubsub#node", "pubsub#subscriber_jid"].map((v) =>
                xml("field", { var: v }, xml("value", {}, fields(request)[v])),
              ),
              xml("field", { var: "pubsub#allow" }, xml("value", {}, "true")),
            ),
          ),
        );
        await viewer!.waitFor(
          (s) => s.is("message") && s.getChild("pubsub")?.getChild("subscription")?.attrs.subscription === "subscribed",
          "the approval",
        );
        await viewer!.waitFor(
          (s) => s.getChild("event", NS_EVENT)?.getChild("items")?.getChild("item")?.attrs.id === "a1",
          "the last item",
        );
        // answered: gone from the store and from the viewer's instance too
        await new Promise<void>((resolve) =>
          !i1.service.core.pendingRequests(owner!.bare).some((r) => r.jid === viewer!.bare)
            ? resolve()
            : void i1
                .nextRemote(
                  (c) => c.kind === "pending" && c.node === owner!.bare && !c.request,
                  "the answered request at i1",
                )
                .then(() => resolve()),
        );
        expect(i1.service.core.pendingRequests(owner!.bare).some((r) => r.jid === viewer!.bare)).toBe(false);
        expect(
          (await viewer!.iq("get", pubsub(xml("items", { node: owner!.bare }))))
            .getChild("pubsub")!
            .getChild("items")!
            .getChildren("item")
            .map((i) => i.attrs.id),
        ).toEqual(["a1"]);
      },
    );
  });
}
