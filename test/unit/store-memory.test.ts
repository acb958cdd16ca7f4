// The in-memory store (core/memory-store.ts) beyond the contract every store meets (store-contract.test.ts): what it
// hands out is a copy, atomically() is all or none, and read-only (core/shared-read.ts) it refuses every write.
import { describe, expect, it } from "vitest";
import type { NodeConfig } from "../../component/src/core/model.ts";
import { formOf } from "../../component/src/protocol/node-config.ts";
import { OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { readerOver } from "../../component/src/core/shared-read.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { StoreUnavailable } from "../../component/src/core/store.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";
import { withWrites } from "../support/store-writes.ts";

const CONFIG: NodeConfig = { accessModel: "open", maxItems: 2, title: "", coarseKm: 0, exact: [] };
const item = (id: string) => ({ id, publisher: "a@localhost", geoloc: { lat: "1", lon: "2" }, published: 1 });

describe("the in-memory store", () => {
  it("loads a copy: changing what it loaded changes nothing stored", () => {
    const s = withWrites(new MemoryStore());
    s.createNode("a@localhost", CONFIG);
    s.putItem("a@localhost", item("1"), 2);
    const loaded = s.load();
    loaded.nodes[0].items.push(item("phantom"));
    loaded.nodes[0].config.maxItems = 99;
    expect(s.load().nodes[0]).toEqual({
      name: "a@localhost",
      config: CONFIG,
      affiliations: new Map(),
      items: [item("1")],
    });
  });

  it("undoes every write of a failed atomically()", () => {
    const s = withWrites(new MemoryStore());
    s.createNode("a@localhost", CONFIG);
    expect(() =>
      s.atomically(() => {
        s.putItem("a@localhost", item("undone"), 2);
        s.addSubscription({ node: "locations", jid: "v@localhost", subid: "s", temporary: false });
        s.putItem("nobody@localhost", item("orphan"), 2); // no such node (as the SQL stores' foreign key)
      }),
    ).toThrow(StoreUnavailable);
    expect(s.load()).toEqual({
      nodes: [{ name: "a@localhost", config: CONFIG, affiliations: new Map(), items: [] }],
      subscriptions: [],
    });
  });

  it("read-only, refuses every write and hands out the view it was given", () => {
    const view = {
      nodes: [{ name: "a@localhost", config: CONFIG, affiliations: new Map(), items: [item("1")] }],
      subscriptions: [],
    };
    const s = withWrites(new MemoryStore(view, { readOnly: true }));
    expect(() => s.commit([{ kind: "purge", node: "a@localhost" }])).toThrow(/read-only/);
    expect(() => s.putItem("a@localhost", item("2"), 2)).toThrow(/read-only/);
    expect(() => s.atomically(() => 1)).toThrow(/read-only/);
    expect(s.load()).toBe(view);
    const reader = readerOver(
      { state: view, presence: [] },
      { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) },
      0,
    );
    expect(reader.visibleNodes("v@localhost").map((n) => n.items)).toEqual([[item("1")]]);
    const fix: PublishRequest = {
      node: OWN_NODE,
      options: formOf({}),
      payload: {
        entries: [
          { name: "lat", text: "1", plain: true },
          { name: "lon", text: "2", plain: true },
        ],
        bytes: 50,
        namespaceOk: true,
        count: 1,
      },
    };
    expect(() => reader.publish("a@localhost/phone", fix, 0)).toThrow(/read-only/);
  });
});
