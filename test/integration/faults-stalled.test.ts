// Slow readers. (1) A viewer whose TCP socket stops reading while 200 simulated publishers run: Prosody, not the
// component, holds what that viewer has not read (its c2s write buffer; Prosody closes it after send_timeout,
// 180 s by default); the component's memory stays flat and another viewer keeps receiving everything.
// (2) Prosody itself stops reading the component's stream (SIGSTOP) while publishes with a large fan-out keep
// coming: the component's outbox holds back and sheds superseded locations instead of buffering without bound;
// when Prosody resumes, every viewer gets each publisher's newest position, in order.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startProsody } from "../../prosody/server.ts";
import { geoloc, isEvent, NS_EVENT, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startComponent } from "../support/component-process.ts";
import { connectViewer, latestItems, Picture, startLoad } from "../support/load.ts";
import { startStack } from "../support/stack.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) {
    try {
      await f();
    } catch {
      /* best effort */
    }
  }
});

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

describe("slow readers", () => {
  it("keeps the component's memory flat and other viewers served while a viewer's socket stops reading", async () => {
    const COUNT = 200;
    const prefix = "st-";
    const dataDir = mkdtempSync(join(tmpdir(), "geo-stall-"));
    const prosody = await startProsody({ dataDir });
    cleanup.push(() => prosody.stop());
    const comp = startComponent(prosody, join(dataDir, "geo.sqlite"));
    cleanup.push(() => comp.kill9());
    await comp.connected(1);
    for (const name of ["stally", "vic"]) prosody.register(name, "pw");

    const stalled = await connectViewer(prosody, "stally", new Picture(prefix));
    cleanup.push(() => stalled.drop());
    const socket = (stalled.xmpp as unknown as { socket: { pause(): void; bytesRead: number } }).socket;
    socket.pause(); // reads nothing more: the kernel buffers fill, then Prosody's write buffer for this session grows
    const picture = new Picture(prefix);
    const viewer = await connectViewer(prosody, "vic", picture);
    cleanup.push(() => viewer.stop());

    const load = startLoad(prosody, COUNT, prefix, ["--interval", "0.5", "--notes", "0.5"]);
    cleanup.push(() => load.stop());
    const race = <T>(p: Promise<T>) => Promise.race([p, load.failed]);
    await race(
      picture.until(
        `all ${COUNT} publishers online with positions`,
        (all) => all.length === COUNT && all.every((p) => p.online && p.locations >= 3),
      ),
    );

    const base = { comp: rssMb(comp.proc.pid!), prosody: rssMb(prosody.pid), read: socket.bytesRead };
    const peak = { ...base };
    // sampling memory is a measurement, not a wait: the test waits on the healthy viewer's notifications
    const sampler = setInterval(() => {
      peak.comp = Math.max(peak.comp, rssMb(comp.proc.pid!));
      peak.prosody = Math.max(peak.prosody, rssMb(prosody.pid));
    }, 250);
    cleanup.push(() => clearInterval(sampler));
    picture.reset();
    const t0 = Date.now();
    await race(
      picture.until(
        `12 more positions from each of the ${COUNT} publishers`,
        (all) => all.length === COUNT && all.every((p) => p.locations >= 12),
        60_000,
      ),
    );
    const window = Date.now() - t0;
    clearInterval(sampler);
    const notified = [...picture.by.values()].reduce((n, p) => n + p.events, 0);
    // where the unread stream sits: the stalled client's kernel receive queue and Prosody's kernel send queue
    const port = (socket as unknown as { localPort: number }).localPort;
    const queues = execFileSync("ss", ["-tnH", `( sport = :${port} or dport = :${port} )`], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .map(([, recvQ, sendQ, local]) => {
        const viewerSide = local.endsWith(`:${port}`);
        const kB = (Number(viewerSide ? recvQ : sendQ) / 1024).toFixed(0);
        return `${viewerSide ? "viewer recv" : "Prosody send"}-Q ${kB} kB`;
      });

    console.log(
      `stalled viewer: over ${window} ms the healthy viewer got ${notified} notifications; ` +
        `component RSS ${base.comp.toFixed(0)} -> peak ${peak.comp.toFixed(0)} MB; ` +
        `Prosody RSS ${base.prosody.toFixed(0)} -> peak ${peak.prosody.toFixed(0)} MB ` +
        "(it holds the stalled viewer's unread stream); " +
        `the stalled socket read ${socket.bytesRead - base.read} bytes meanwhile; kernel queues: ${queues.join(", ")}`,
    );
    expect(socket.bytesRead).toBe(base.read);
    expect(peak.comp - base.comp).toBeLessThan(48);
    await load.stop();
    await picture.until(
      "every publisher offline after logging out",
      (all) => all.every((p) => p.online === false),
      30_000,
    );
    const latest = await latestItems(viewer);
    for (const [publisher, seen] of picture.by) expect(seen.location, publisher).toBe(latest.get(publisher));
    expect(comp.alive()).toBe(true);
  }, 150_000);

  it(
    "bounds what the component buffers when Prosody stops reading its stream, " +
      "then delivers the newest positions in order",
    async () => {
      const limits = { maxInFlightBytes: 256 * 1024, maxQueued: 500 };
      const stack = await startStack({ outbox: limits });
      cleanup.push(() => stack.stop());
      const VIEWERS = 20;
      const viewers: TestClient[] = [];
      for (let i = 0; i < VIEWERS; i++) {
        const v = await stack.viewer(`fan${i}`);
        await v.iq("set", pubsub(xml("subscribe", { node: "locations", jid: v.jid })));
        viewers.push(v);
      }
      const pub = await stack.user("pia");
      await pub.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "n-start"));
      await Promise.all(
        viewers.map((v) =>
          v.waitFor((s) => isEvent(s, "pia@localhost", (i) => i.attrs.id === "n-start"), "the first position"),
        ),
      );

      const socket = stack.entity.socket as unknown as { writableLength: number };
      const box = stack.service.outbox;
      process.kill(stack.prosody.pid, "SIGSTOP"); // Prosody stops reading the component's stream (and everything else)
      let maxWritable = 0;
      const PUBLISHES = 2000;
      const text = "ü".repeat(450);
      try {
        // the publishes arrive as if through Prosody (the in-process seam: the entity's parsed-element event)
        for (let i = 0; i < PUBLISHES; i++) {
          stack.entity.emit(
            "element",
            xml(
              "iq",
              { type: "set", id: `n${i}`, from: "pia@localhost/phone", to: stack.componentJid },
              publishEl(geoloc({ lat: 10 + i / 1000, lon: 20, text }), undefined, `n-${i}`),
            ),
          );
          if (i % 50 === 49) {
            await new Promise<void>((r) => setImmediate(r)); // let the outbox flush as it would between reads
            maxWritable = Math.max(maxWritable, socket.writableLength);
          }
        }
        await new Promise<void>((r) => setImmediate(r));
        maxWritable = Math.max(maxWritable, socket.writableLength);
        // unbounded, this would be 2000 x 20 notifications of ~1.2 kB: ~48 MB in Node's socket buffer
        console.log(
          `Prosody stopped: ${PUBLISHES} publishes x ${VIEWERS} viewers; ` +
            `socket buffer peaked at ${(maxWritable / 1024).toFixed(0)} kB ` +
            `(IQ results included), outbox peak ${box.peakQueued} waiting, ${box.shed} superseded locations shed`,
        );
        expect(box.peakQueued).toBeLessThanOrEqual(limits.maxQueued + VIEWERS);
        expect(maxWritable).toBeLessThan(4 * 1024 * 1024);
        expect(box.shed).toBeGreaterThan((PUBLISHES * VIEWERS) / 2);
      } finally {
        process.kill(stack.prosody.pid, "SIGCONT");
      }
      // every viewer ends on the newest position, having seen positions only in increasing order
      for (const v of viewers) {
        await v.waitFor(
          (s) => isEvent(s, "pia@localhost", (i) => i.attrs.id === `n-${PUBLISHES - 1}`),
          "the newest position",
          30_000,
        );
        const seen = v.received
          .flatMap((s: Element) =>
            (s.getChild("event", NS_EVENT)?.getChild("items")?.getChildren("item") ?? []).map((i) =>
              String(i.attrs.id),
            ),
          )
          .filter((id) => /^n-\d+$/.test(id))
          .map((id) => Number(id.slice(2)));
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
        expect(seen.length).toBeLessThan(PUBLISHES);
      }
      const items = await viewers[0].iq("get", pubsub(xml("items", { node: "pia@localhost", max_items: "1" })));
      expect(items.getChild("pubsub")!.getChild("items")!.getChild("item")!.attrs.id).toBe(`n-${PUBLISHES - 1}`);
    },
    120_000,
  );
});
