import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProsody } from "../../../prosody/server.ts";
import { connectMany, publishStanza, eventItemIds } from "../clients.ts";
import { startChild, stopChild } from "../procs.ts";
import { serviceSubscribe } from "../throughput.ts";
import { quantile } from "../stats.ts";

const dataDir = mkdtempSync(join(tmpdir(), "geo-lat-"));
const prosody = await startProsody({ dataDir });
const t = { c2sService: prosody.c2sService, domain: prosody.domain, component: prosody.component };
const viewers = await connectMany(t, "viewer", 10, "map");
const [pub] = await connectMany(t, "tpub", 1, "phone");
const db = process.env.DB ?? join(dataDir, "geo.sqlite");
const arms: Record<string, () => ReturnType<typeof startChild>> = {
  service: () => startChild("component/src/main.ts", { GEO_SERVICE: prosody.componentService, GEO_SECRET: prosody.componentSecret, GEO_DOMAIN: prosody.component, GEO_DB: db }, /connected to /),
  pt: () => startChild("test/bench/passthrough.ts", { PT_SERVICE: prosody.componentService, PT_SECRET: prosody.componentSecret, PT_DOMAIN: prosody.component }, /passthrough online/),
};
for (const round of [1, 2]) for (const name of ["service", "pt"]) {
  const c = await arms[name]();
  await serviceSubscribe(prosody.component, viewers);
  const ack: number[] = [], first: number[] = [], all: number[] = [];
  for (let i = 0; i < 400; i++) {
    const id = `x${round}${name}${i}`;
    let got = 0; let firstAt = 0;
    const done = new Promise<number>((r) => { for (const v of viewers) v.onStanza = (s) => { if (eventItemIds(s).includes(id)) { const now = performance.now(); if (!got) firstAt = now; if (++got === viewers.length) r(now); } }; });
    const t0 = performance.now();
    await pub.iq("set", prosody.component, publishStanza(id));
    const ta = performance.now();
    const tl = await done;
    if (i >= 100) { ack.push(ta - t0); first.push(firstAt - t0); all.push(tl - t0); }
  }
  await serviceSubscribe(prosody.component, viewers, "locations", "unsubscribe");
  await stopChild(c);
  const f = (xs: number[]) => `p50 ${quantile(xs, 0.5).toFixed(2)} p90 ${quantile(xs, 0.9).toFixed(2)}`;
  console.log(`${name} r${round}: ack ${f(ack)} | first notif ${f(first)} | last notif ${f(all)}`);
}
for (const v of [...viewers, pub]) await v.stop();
await prosody.stop();
process.exit(0);
