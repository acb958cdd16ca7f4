// Publish-to-viewer latency of the three paths, one fix at a time: to the service, to the own PEP node (ingest),
// and to the service in mirror mode. Not part of `npm test`; run it with
//   npx vitest run --root . --dir test/bench test/bench/pep-paths.test.ts            (mirror off)
//   MIRROR=1 npx vitest run --root . --dir test/bench test/bench/pep-paths.test.ts   (mirror on)
import { xml } from "@xmpp/client";
import { afterAll, beforeAll, it } from "vitest";
import { geoloc, isEvent, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { autoApprove, pepPublish } from "../support/pep.ts";
import { startStack, type Stack } from "../support/stack.ts";
let stack: Stack; let viewer: TestClient;
beforeAll(async () => { stack = await startStack({ prosody: { mirror: process.env.MIRROR === "1" } }); viewer = await stack.viewer("w"); await viewer.iq("set", pubsub(xml("subscribe", { node: "locations", jid: viewer.jid }))); });
afterAll(() => stack?.stop());
const N = 300;
async function run(label: string, u: TestClient, pub: (i: number) => Promise<unknown>) {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    const id = `${label}-${i}`;
    const got = viewer.waitFor((m) => isEvent(m, u.bare, (it) => it.attrs.id === id), id);
    await pub(i);
    await got;
    lat.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  lat.sort((a, b) => a - b);
  console.log(`${label}: ${N} fixes one at a time in ${total.toFixed(0)} ms; publish->viewer p50 ${lat[N / 2].toFixed(2)} ms p95 ${lat[Math.floor(N * 0.95)].toFixed(2)} ms`);
}
it("measures", async () => {
  const a = await stack.user("direct"); await a.send(xml("presence", { to: stack.componentJid }));
  const b = await stack.user("peppy"); autoApprove(b); await b.send(xml("presence")); await b.send(xml("presence", { to: stack.componentJid, type: "subscribe" }));
  await pepPublish(b, geoloc({ lat: 0, lon: 0 }), "warm"); await viewer.waitFor((m) => isEvent(m, b.bare, (it) => it.attrs.id === "warm"));
  for (let r = 0; r < 2; r++) {
    await run(`service${r}`, a, (i) => a.iq("set", publishEl(geoloc({ lat: i % 90, lon: 1 }), undefined, `service${r}-${i}`)));
    await run(`pep${r}`, b, (i) => pepPublish(b, geoloc({ lat: i % 90, lon: 1 }), `pep${r}-${i}`));
  }
}, 120_000);
