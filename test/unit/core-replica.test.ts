// Another instance's committed change (core/replica.ts) put into this instance's memory by core/apply.ts: values in,
// state out.
import { describe, expect, it } from "vitest";
import { apply as applyRemote } from "../../component/src/core/apply.ts";
import { DEFAULT_SETTINGS, State } from "../../component/src/core/state.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

const node = (name: string, ids: string[], accessModel: "open" | "whitelist" = "open") => ({
  name,
  config: { accessModel, maxItems: 20, title: "", coarseKm: 0, exact: [] },
  affiliations: new Map(),
  items: ids.map((id) => ({ id, publisher: name, geoloc: { lat: "1", lon: "2" }, published: 0 })),
});
const sub = (node: string, jid: string, temporary = false) => ({ node, jid, subid: `s-${jid}`, temporary });
const state = () => new State(new MemoryStore().load(), { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) });

describe("applyRemote", () => {
  it("puts a created or reconfigured node into memory as stored", () => {
    const s = state();
    applyRemote(s, { kind: "node", name: "a@localhost", node: node("a@localhost", ["1"]) });
    applyRemote(s, { kind: "node", name: "a@localhost", node: node("a@localhost", ["1", "2"], "whitelist") });
    expect(s.nodes.get("a@localhost")!.config.accessModel).toBe("whitelist");
    expect(s.nodes.get("a@localhost")!.items.map((i) => i.id)).toEqual(["1", "2"]);
  });

  it("removes a deleted node with its presence and its subscriptions (XEP-0060 §8.4)", () => {
    const s = state();
    applyRemote(s, { kind: "node", name: "a@localhost", node: node("a@localhost", ["1"]) });
    s.presence.set("a@localhost", { jid: "a@localhost", online: true, since: 0 });
    s.subscribersOf("a@localhost", true).set("v@localhost", sub("a@localhost", "v@localhost"));
    applyRemote(s, { kind: "node", name: "a@localhost", node: undefined });
    expect(s.nodes.has("a@localhost")).toBe(false);
    expect(s.presence.has("a@localhost")).toBe(false);
    expect(s.subscriptions.has("a@localhost")).toBe(false);
  });

  it("adds and removes persistent and temporary subscriptions as stored", () => {
    const s = state();
    applyRemote(s, {
      kind: "subscription",
      node: "locations",
      jid: "v@localhost/map",
      subscription: sub("locations", "v@localhost/map", true),
    });
    applyRemote(s, {
      kind: "subscription",
      node: "locations",
      jid: "w@localhost",
      subscription: sub("locations", "w@localhost"),
    });
    expect([...s.subscriptions.get("locations")!.keys()]).toEqual(["v@localhost/map", "w@localhost"]);
    applyRemote(s, { kind: "subscription", node: "locations", jid: "v@localhost/map", subscription: undefined });
    applyRemote(s, { kind: "subscription", node: "locations", jid: "w@localhost", subscription: undefined });
    expect(s.subscriptions.has("locations")).toBe(false);
  });

  it("after a gap, takes everything stored and keeps only its own viewers' unstored temporary subscriptions", () => {
    const s = state();
    s.resources.apply("mine@localhost", "map", true, undefined, 0);
    s.subscribersOf("locations", true).set("mine@localhost/map", sub("locations", "mine@localhost/map", true));
    s.subscribersOf("locations", true).set("gone@localhost/map", sub("locations", "gone@localhost/map", true));
    s.nodes.set("old@localhost", node("old@localhost", ["1"]));
    applyRemote(s, {
      kind: "all",
      fresh: {
        nodes: [node("new@localhost", ["9"])],
        subscriptions: [sub("locations", "other@localhost/map", true), sub("new@localhost", "w@localhost")],
      },
    });
    expect([...s.nodes.keys()]).toEqual(["new@localhost"]);
    expect([...s.subscriptions.get("locations")!.keys()].sort()).toEqual(["mine@localhost/map", "other@localhost/map"]);
    expect([...s.subscriptions.get("new@localhost")!.keys()]).toEqual(["w@localhost"]);
  });
});
