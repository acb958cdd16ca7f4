// Core memory per publisher, measured in a child `node --expose-gc` so the heap is the core's alone.
// Usage (child): node --expose-gc --import tsx test/bench/memory.ts COUNT ITEMS -> prints one JSON line.
import { GeoService } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import type { Store } from "../../component/src/core/store.ts";

/** A store that keeps nothing: the figure is the core's in-memory state, not SQLite's page cache. */
const nullStore: Store = {
  load: () => ({ nodes: [], subscriptions: [] }),
  createNode() {}, saveConfig() {}, setAffiliation() {}, putItem() {}, deleteItems() {}, trim() {}, purge() {},
  deleteNode() {}, addSubscription() {}, removeSubscription() {}, atomically: (f) => f(), close() {},
};

function measure(count: number, items: number): { perPublisherBytes: number; heapDelta: number; rssDelta: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  let n = 0;
  const core = new GeoService(nullStore, { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]), defaults: { ...DEFAULT_SETTINGS.defaults, maxItems: items } }, () => `i${++n}`);
  core.subscribe("viewer@localhost/map", "locations", "viewer@localhost/map");
  gc(); gc();
  const before = process.memoryUsage();
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const jid = `user${i}@localhost`;
    core.presence(`${jid}/phone`, true, undefined, 0, now);
    for (let k = 0; k < items; k++) {
      const entries = [
        { name: "lat", text: (48 + i / 1e5 + k / 1e6).toFixed(6), plain: true }, { name: "lon", text: (2 + i / 1e5).toFixed(6), plain: true },
        { name: "accuracy", text: "10", plain: true }, { name: "timestamp", text: new Date(now - (items - k) * 1000).toISOString(), plain: true },
      ];
      const r = core.publish(jid, { node: "http://jabber.org/protocol/geoloc", payload: { entries, bytes: 200, namespaceOk: true, count: 1 } }, now);
      if (!r.ok) throw new Error(`publish failed: ${JSON.stringify(r)}`);
    }
  }
  gc(); gc();
  const after = process.memoryUsage();
  const heapDelta = after.heapUsed + after.external + after.arrayBuffers - (before.heapUsed + before.external + before.arrayBuffers);
  if (core.publishers().length !== count) throw new Error("publishers missing");
  return { perPublisherBytes: heapDelta / count, heapDelta, rssDelta: after.rss - before.rss };
}

if (process.argv[1]?.endsWith("memory.ts")) {
  const [count, items] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(measure(count, items)));
}
