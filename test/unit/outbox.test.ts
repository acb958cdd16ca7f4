// The notification outbox: FIFO, one write per event-loop turn, bounded when the socket does not drain.
import { describe, expect, it } from "vitest";
import type { Item, Notification } from "../../component/src/core/model.ts";
import { Outbox, type OverloadEvent } from "../../component/src/xmpp/outbox.ts";

const item = (publisher: string, n: number): Notification[] => [
  {
    to: "v@localhost/map",
    event: {
      kind: "item",
      node: publisher,
      item: { id: `${publisher}#${n}`, publisher, geoloc: { lat: String(n), lon: "0" }, published: n } as Item,
    },
  },
];
const presence = (publisher: string, online: boolean): Notification[] => [
  { to: "v@localhost/map", event: { kind: "presence", presence: { jid: publisher, online, since: 0 } } },
];
const turn = () => new Promise<void>((r) => setImmediate(r));

/** A socket that takes writes but flushes them only when told to. */
function stalledWriter() {
  const writes: string[] = [];
  const release: Array<() => void> = [];
  return {
    writes,
    write: (s: string) => {
      writes.push(s);
      return new Promise<void>((r) => release.push(r));
    },
    drain: () => {
      for (const r of release.splice(0)) r();
    },
  };
}

describe("the outbox", () => {
  it("writes one batch per event-loop turn, in order", async () => {
    const w = stalledWriter();
    const box = new Outbox(w, "geo.localhost", (e) => {
      throw e;
    });
    box.push(item("a@localhost", 1));
    box.push(item("b@localhost", 1));
    await turn();
    expect(w.writes).toHaveLength(1);
    expect(w.writes[0].indexOf("a@localhost#1")).toBeLessThan(w.writes[0].indexOf("b@localhost#1"));
  });

  it(
    "holds notifications back while the socket has not flushed, " +
      "and keeps only the newest location of each publisher once over the cap",
    async () => {
      const w = stalledWriter();
      const box = new Outbox(
        w,
        "geo.localhost",
        (e) => {
          throw e;
        },
        { maxInFlightBytes: 1, maxQueued: 10 },
      );
      box.push(item("a@localhost", 0));
      await turn(); // the first batch goes out and is never flushed
      box.push(presence("a@localhost", true));
      for (let i = 1; i <= 1000; i++) box.push([...item("a@localhost", i), ...item("b@localhost", i)]);
      box.push(presence("a@localhost", false));
      await turn();
      expect(w.writes).toHaveLength(1); // nothing more until the socket drains
      expect(box.pending).toBeLessThanOrEqual(10);
      expect(box.peakQueued).toBeLessThanOrEqual(11);
      expect(box.shed).toBeGreaterThan(1980);
      w.drain();
      await turn();
      await turn();
      expect(w.writes).toHaveLength(2);
      const labels = w.writes[1]
        .split("<message")
        .slice(1)
        .map((m) =>
          m.includes('node="presence"')
            ? `${/id="([^"]+)"/.exec(m)![1]} ${m.includes('type="unavailable"') ? "offline" : "online"}`
            : /item id="([^"]+)"/.exec(m)![1],
        );
      // per publisher, in the order the service decided: online, the newest position, offline
      const a = labels.filter((l) => l.startsWith("a@"));
      expect(a[0]).toBe("a@localhost online");
      expect(a.at(-1)).toBe("a@localhost offline");
      const positions = a.slice(1, -1).map((l) => Number(l.split("#")[1]));
      expect(positions.at(-1)).toBe(1000);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      expect(labels.length).toBeLessThanOrEqual(10);
      expect(labels.filter((l) => l.startsWith("b@")).at(-1)).toBe("b@localhost#1000");
    },
  );

  it("never drops presence, even when it alone exceeds the cap", async () => {
    const w = stalledWriter();
    const box = new Outbox(
      w,
      "geo.localhost",
      (e) => {
        throw e;
      },
      { maxInFlightBytes: 1, maxQueued: 5 },
    );
    box.push(item("x@localhost", 0));
    await turn();
    for (let i = 0; i < 20; i++) box.push(presence(`p${i}@localhost`, true));
    expect(box.pending).toBe(20);
    expect(box.shed).toBe(0);
  });

  it(
    "reports an overload episode once when shedding starts and once when it has caught up, " + "with the count shed",
    async () => {
      const w = stalledWriter();
      const events: OverloadEvent[] = [];
      const box = new Outbox(
        w,
        "geo.localhost",
        (e) => {
          throw e;
        },
        { maxInFlightBytes: 1, maxQueued: 10 },
        (e) => events.push(e),
      );
      box.push(item("a@localhost", 0));
      await turn();
      for (let i = 1; i <= 100; i++) box.push([...item("a@localhost", i), ...item("b@localhost", i)]);
      expect(events).toEqual([{ phase: "shedding", queued: 12 }]);
      w.drain();
      await turn();
      await turn();
      expect(box.pending).toBe(0);
      expect(events).toEqual([
        { phase: "shedding", queued: 12 },
        { phase: "caught-up", shed: box.shed },
      ]);
      expect(box.shed).toBeGreaterThan(180);
      // every notification pushed was either handed to the socket or counted as shed
      expect(box.sent + box.shed).toBe(201);
      w.drain();
      box.push(item("a@localhost", 101));
      await turn();
      expect(events).toHaveLength(2); // no overload, no report
    },
  );
});
