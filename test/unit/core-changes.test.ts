// Changes as values (issue #18 §2): each operation returns the changes it committed; the same changes put into
// another instance's memory (core/apply.ts) give that instance the same view; a failed commit changes nothing.
import { describe, expect, it } from "vitest";
import { formOf } from "../../component/src/protocol/node-config.ts";
import { GeoService, OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { StoreUnavailable, type Store } from "../../component/src/core/store.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

const settings = { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) };
const make = (store: Store = new MemoryStore()) => {
  let n = 0;
  return new GeoService(store, settings, () => `id${++n}`);
};
const fix = (lat: number, accessModel?: string): PublishRequest => ({
  node: OWN_NODE,
  payload: {
    entries: [
      { name: "lat", text: String(lat), plain: true },
      { name: "lon", text: "2", plain: true },
    ],
    bytes: 50,
    namespaceOk: true,
    count: 1,
  },
  ...(accessModel && { options: formOf({ "pubsub#access_model": accessModel }) }),
});
const kinds = (r: { ok: boolean; value?: unknown }) =>
  r.ok ? (r.value as { changes: Array<{ kind: string }> }).changes.map((c) => c.kind) : r;

describe("changes as values", () => {
  it("each operation returns the changes it committed", () => {
    const svc = make();
    expect(kinds(svc.publish("ann@localhost/phone", fix(1), 0))).toEqual(["createNode", "putItem"]);
    expect(kinds(svc.publish("ann@localhost/phone", { ...fix(2), itemId: "two" }, 1))).toEqual(["putItem"]);
    expect(kinds(svc.subscribe("vic@localhost", "ann@localhost", "vic@localhost"))).toEqual(["addSubscription"]);
    expect(kinds(svc.subscribe("vic@localhost", "ann@localhost", "vic@localhost"))).toEqual([]); // already subscribed
    expect(kinds(svc.retract("ann@localhost", "ann@localhost", ["two"]))).toEqual(["deleteItems"]);
    // a stricter model: the saved configuration and the subscriptions that end, in one commit
    const c = svc.configure("ann@localhost", "ann@localhost", formOf({ "pubsub#access_model": "whitelist" }), 2);
    expect(c.ok && c.value.changes).toEqual([
      { kind: "saveConfig", node: "ann@localhost", config: expect.objectContaining({ accessModel: "whitelist" }) },
      { kind: "removeSubscription", node: "ann@localhost", jid: "vic@localhost", temporary: false },
    ]);
    expect(kinds(svc.purge("ann@localhost", "ann@localhost"))).toEqual(["purge"]);
    expect(kinds(svc.deleteNode("ann@localhost", "ann@localhost"))).toEqual(["deleteNode"]);
  });

  it("another instance that takes the same changes sees what this one sees", () => {
    const a = make(),
      b = make();
    const changes = [
      a.publish("ann@localhost/phone", fix(1), 0),
      a.publish("ann@localhost/phone", fix(2), 1),
      a.setAffiliations("ann@localhost", "ann@localhost", [{ jid: "eve@localhost", affiliation: "outcast" }]),
      a.subscribe("vic@localhost", "locations", "vic@localhost"),
    ].flatMap((r) => (r.ok ? r.value.changes : []));
    for (const c of changes) b.applyRemote(c);
    for (const viewer of ["vic@localhost", "eve@localhost", "ann@localhost"]) {
      for (const node of ["ann@localhost", "locations"])
        expect(b.items(viewer, node, undefined, undefined)).toEqual(a.items(viewer, node, undefined, undefined));
    }
    expect(b.subscribers("locations")).toEqual(a.subscribers("locations"));
  });

  it(
    "a deleted node takes its pending requests, " +
      "subscriptions and presence with it, here and on other instances (XEP-0060 §8.4)",
    () => {
      const a = make(),
        b = make();
      const made = [
        a.publish("pat@localhost/phone", fix(1, "authorize"), 0),
        a.subscribe("val@localhost", "pat@localhost", "val@localhost"),
      ];
      for (const c of made.flatMap((r) => (r.ok ? r.value.changes : []))) b.applyRemote(c);
      a.presence("pat@localhost/phone", true, undefined, 0, 1);
      b.applyRemote({ kind: "savePresence", presence: { jid: "pat@localhost", online: true, since: 1 } });
      expect(a.pendingRequests("pat@localhost")).toHaveLength(1);
      expect(b.pendingRequests("pat@localhost")).toHaveLength(1);
      expect(a.deleteNode("pat@localhost", "pat@localhost").ok).toBe(true);
      b.applyRemote({ kind: "node", name: "pat@localhost", node: undefined });
      for (const svc of [a, b]) {
        expect(svc.pendingRequests()).toEqual([]);
        expect(svc.presenceOf("pat@localhost")).toBeUndefined();
        expect(svc.node("pat@localhost")).toBeUndefined();
      }
    },
  );

  it("an approval is one commit: when it fails, the request still waits and nothing else changed", () => {
    const real = new MemoryStore();
    let failing = false;
    const store: Store = {
      load: () => real.load(),
      commit: (changes) => {
        if (failing) throw new StoreUnavailable("disk full");
        real.commit(changes);
      },
      close: () => real.close(),
    };
    const svc = make(store);
    svc.publish("pat@localhost/phone", fix(1, "authorize"), 0);
    const r = svc.subscribe("val@localhost", "pat@localhost", "val@localhost");
    const subid = r.ok ? r.value.subscription.subid : "";
    failing = true;
    expect(() =>
      svc.answerAuthorization("pat@localhost", { node: "pat@localhost", jid: "val@localhost", subid, allow: true }),
    ).toThrow(StoreUnavailable);
    expect(svc.pendingRequests("pat@localhost").map((p) => p.jid)).toEqual(["val@localhost"]);
    expect(svc.node("pat@localhost")!.affiliations.size).toBe(0);
    expect(svc.subscribers("pat@localhost")).toEqual([]);
    failing = false;
    expect(
      kinds(
        svc.answerAuthorization("pat@localhost", { node: "pat@localhost", jid: "val@localhost", subid, allow: true }),
      ),
    ).toEqual(["removePending", "setAffiliation", "addSubscription"]);
    expect(make(real).subscription("pat@localhost", "val@localhost")?.subid).toBe(subid); // committed
  });
});
