// A store that fails half-way through a change: the core writes in one transaction before touching memory, so
// neither the database nor the in-memory state keeps half of it (the integration test faults-storage makes the
// failures real; this one picks the exact step that fails).
import { describe, expect, it } from "vitest";
import { formOf } from "../../component/src/protocol/node-config.ts";
import { GeoService, OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import type { ChangeKind } from "../../component/src/core/changes.ts";
import { StoreUnavailable, type Store } from "../../component/src/core/store.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

/** The reference store whose commit throws, as SQLITE_FULL would, when it holds a change of a `failing` kind. */
function flaky(): { store: Store; failing: Set<ChangeKind> } {
  const real = new MemoryStore();
  const failing = new Set<ChangeKind>();
  const store: Store = {
    load: () => real.load(),
    commit(changes) {
      if (changes.some((c) => failing.has(c.kind))) throw new StoreUnavailable("SQLITE_FULL: database or disk is full");
      real.commit(changes);
    },
    close: () => real.close(),
  };
  return { store, failing };
}

const fix = (lat: number): PublishRequest => ({
  node: OWN_NODE,
  payload: {
    entries: [
      { name: "lat", text: String(lat), plain: true },
      { name: "lon", text: "2", plain: true },
    ],
    bytes: 60,
    namespaceOk: true,
    count: 1,
  },
});

describe("a store failure in the middle of a change", () => {
  it("leaves no node behind when the first item of a new node cannot be written", () => {
    const { store, failing } = flaky();
    let n = 0;
    const svc = new GeoService(store, { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) }, () => `id${++n}`);
    failing.add("putItem");
    expect(() => svc.publish("alice@localhost/phone", fix(1), 0)).toThrow(StoreUnavailable);
    expect(svc.view("alice@localhost", "alice@localhost")).toBeUndefined();
    expect(store.load().nodes).toEqual([]);
    failing.clear();
    const r = svc.publish("alice@localhost/phone", fix(1), 1);
    expect(r.ok && r.value.created).toBe(true);
  });

  it("keeps the old configuration when trimming the items fails", () => {
    const { store, failing } = flaky();
    let n = 0;
    const svc = new GeoService(store, { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) }, () => `id${++n}`);
    for (let i = 0; i < 5; i++) svc.publish("alice@localhost/phone", fix(i), i);
    failing.add("trim");
    expect(() =>
      svc.configure(
        "alice@localhost/phone",
        "alice@localhost",
        formOf({ "pubsub#max_items": "2", "pubsub#title": "van" }),
        0,
      ),
    ).toThrow(StoreUnavailable);
    expect(svc.getConfig("alice@localhost", "alice@localhost")).toEqual({
      ok: true,
      value: expect.objectContaining({ maxItems: 20, title: "" }),
    });
    expect(store.load().nodes[0]).toMatchObject({ config: { maxItems: 20, title: "" } });
    expect(store.load().nodes[0].items).toHaveLength(5);
    const items = svc.items("alice@localhost", "alice@localhost", undefined, undefined);
    expect(items.ok && items.value).toHaveLength(5);
  });
});
