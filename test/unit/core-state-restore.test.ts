// After a failed group commit (PostgreSQL) the core's memory is set back to the stored state of the nodes the
// failed transaction touched; what is never stored (temporary subscriptions, other nodes) stays.
import { describe, expect, it } from "vitest";
import { restore } from "../../component/src/core/apply.ts";
import { DEFAULT_SETTINGS, State } from "../../component/src/core/state.ts";
import type { Store } from "../../component/src/core/store.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

const node = (name: string, ids: string[]) => ({
  name,
  config: { accessModel: "open" as const, maxItems: 20, title: "", coarseKm: 0, exact: [] },
  affiliations: new Map(),
  items: ids.map((id) => ({ id, publisher: name, geoloc: { lat: "1", lon: "2" }, published: 0 })),
});

function state(): State {
  const store: Store = new MemoryStore();
  return new State(store.load(), { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) });
}

describe("restore", () => {
  it("replaces a touched node with its stored version and leaves untouched nodes alone", () => {
    const s = state();
    s.nodes.set("a@localhost", node("a@localhost", ["1", "phantom"]));
    s.nodes.set("b@localhost", node("b@localhost", ["x"]));
    restore(s, ["a@localhost"], { nodes: [node("a@localhost", ["1"])], subscriptions: [] });
    expect(s.nodes.get("a@localhost")!.items.map((i) => i.id)).toEqual(["1"]);
    expect(s.nodes.get("b@localhost")!.items.map((i) => i.id)).toEqual(["x"]);
  });

  it("removes a node that is not stored, with its presence entry", () => {
    const s = state();
    s.nodes.set("c@localhost", node("c@localhost", ["1"]));
    s.presence.set("c@localhost", { jid: "c@localhost", online: true, since: 0 });
    restore(s, ["c@localhost"], { nodes: [], subscriptions: [] });
    expect(s.nodes.has("c@localhost")).toBe(false);
    expect(s.presence.has("c@localhost")).toBe(false);
  });

  it("sets persistent subscriptions of a touched node back and keeps its temporary ones", () => {
    const s = state();
    s.subscribersOf("locations", true).set("v@localhost/map", {
      node: "locations",
      jid: "v@localhost/map",
      subid: "t",
      temporary: true,
    });
    s.subscribersOf("locations", true).set("w@localhost", {
      node: "locations",
      jid: "w@localhost",
      subid: "unstored",
      temporary: false,
    });
    restore(s, ["locations"], {
      nodes: [],
      subscriptions: [{ node: "locations", jid: "z@localhost", subid: "z", temporary: false }],
    });
    expect([...s.subscriptions.get("locations")!.keys()].sort()).toEqual(["v@localhost/map", "z@localhost"]);
  });
});
