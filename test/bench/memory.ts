// Component memory per publisher, measured in a child `node --expose-gc` that holds the component's real parts:
// the SQLite store on a temp file, the core, and the shell's publish and presence handlers fed with XML stanzas as
// they arrive from Prosody. Only the socket is missing (its buffers do not grow with publishers).
// Usage (child): node --expose-gc --import tsx test/bench/memory.ts COUNT ITEMS -> prints one JSON line.
import xml from "@xmpp/xml";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GeoService } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { NS } from "../../component/src/protocol/ns.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { handlePubsub, type HandlerContext } from "../../component/src/xmpp/pubsub.ts";

function measure(count: number, items: number): { perPublisherBytes: number; heapDelta: number; rssDelta: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  const dir = mkdtempSync(join(tmpdir(), "geo-mem-"));
  const store = openSqliteStore(join(dir, "geo.sqlite"));
  try {
    let n = 0;
    const core = new GeoService(
      store,
      {
        ...DEFAULT_SETTINGS,
        domains: new Set(["localhost"]),
        defaults: { ...DEFAULT_SETTINGS.defaults, maxItems: items },
      },
      () => `i${++n}`,
    );
    const ctx: HandlerContext = { core, now: Date.now, notify: () => {}, created: () => {} };
    core.subscribe("viewer@localhost/map", "locations", "viewer@localhost/map");
    gc();
    gc();
    const before = process.memoryUsage();
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const jid = `user${i}@localhost`;
      core.presence(`${jid}/phone`, true, undefined, 0, now);
      for (let k = 0; k < items; k++) {
        const fix = xml(
          "geoloc",
          { xmlns: NS.geoloc },
          xml("lat", {}, (48 + i / 1e5 + k / 1e6).toFixed(6)),
          xml("lon", {}, (2 + i / 1e5).toFixed(6)),
          xml("accuracy", {}, "10"),
          xml("timestamp", {}, new Date(now - (items - k) * 1000).toISOString()),
        );
        const reply = handlePubsub(
          ctx,
          `${jid}/phone`,
          xml("pubsub", { xmlns: NS.pubsub }, xml("publish", { node: NS.geoloc }, xml("item", {}, fix))),
          "set",
        );
        if (!reply || reply.getChild("error")) throw new Error(`publish failed: ${reply?.toString()}`);
      }
    }
    gc();
    gc();
    const after = process.memoryUsage();
    const heapDelta =
      after.heapUsed + after.external + after.arrayBuffers - (before.heapUsed + before.external + before.arrayBuffers);
    if (core.publishers().length !== count) throw new Error("publishers missing");
    return { perPublisherBytes: heapDelta / count, heapDelta, rssDelta: after.rss - before.rss };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("memory.ts")) {
  const [count, items] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(measure(count, items)));
}
