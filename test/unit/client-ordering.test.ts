// Ordering: whatever order live notifications and snapshot items arrive in, the map ends on the newest.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reduce, type ModelEvent, type PublisherState } from "../../client-web/src/model/publisher.ts";
import { PublisherStore } from "../../client-web/src/model/store.ts";

const T0 = Date.parse("2026-11-26T10:00:00Z");
const JIDS = ["alice@localhost", "bob@localhost", "carol@localhost"];

const locationEvent = fc
  .record({
    who: fc.integer({ min: 0, max: JIDS.length - 1 }),
    t: fc.integer({ min: 0, max: 10_000 }),
    live: fc.boolean(),
  })
  .map(({ who, t, live }): ModelEvent => ({
    kind: "location",
    jid: JIDS[who],
    itemId: `${who}-${t}`,
    live,
    session: 1,
    geoloc: { lat: String(t / 1000), lon: String(who), timestamp: new Date(T0 + t).toISOString() },
  }));

const presenceEvent = fc
  .record({
    who: fc.integer({ min: 0, max: JIDS.length - 1 }),
    since: fc.integer({ min: 0, max: 10_000 }),
    online: fc.boolean(),
    live: fc.boolean(),
  })
  .map(({ who, since, online, live }): ModelEvent => ({
    kind: "presence",
    live,
    session: 1,
    presence: { jid: JIDS[who], online, since: T0 + since },
  }));

function newestFix(events: ModelEvent[], jid: string): number | undefined {
  const times = events
    .filter((e) => e.kind === "location" && e.jid === jid)
    .map((e) => Date.parse((e as { geoloc: { timestamp: string } }).geoloc.timestamp));
  return times.length ? Math.max(...times) : undefined;
}

describe("ordering", () => {
  it("shows each publisher's newest fix whatever order the fixes arrive in", () => {
    fc.assert(
      fc.property(fc.array(locationEvent, { maxLength: 40 }), (events) => {
        const store = new PublisherStore();
        for (const e of events) store.apply([e], T0);
        for (const jid of JIDS) expect(store.get(jid)?.fix?.time).toBe(newestFix(events, jid));
      }),
    );
  });

  it("arrives at the same state in any order: a snapshot racing notifications changes nothing", () => {
    // One state per publisher and instant (two different presences stamped the same millisecond are ordered by
    // arrival, which is the service's order: not this property's business).
    const key = (e: ModelEvent) =>
      e.kind === "presence" ? `p ${e.presence.jid} ${e.presence.since}` : `l ${(e as { itemId: string }).itemId}`;
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.oneof(locationEvent, presenceEvent), { maxLength: 30, selector: key })
          .chain((evs) =>
            fc.tuple(fc.constant(evs), fc.shuffledSubarray(evs, { minLength: evs.length, maxLength: evs.length })),
          ),
        ([a, b]) => {
          const run = (evs: ModelEvent[]) => {
            const out = new Map<string, PublisherState | undefined>();
            for (const e of evs) {
              const jid = e.kind === "presence" ? e.presence.jid : (e as { jid: string }).jid;
              out.set(jid, reduce(out.get(jid), e, T0));
            }
            return JIDS.map((j) => [out.get(j)?.fix?.time, out.get(j)?.presence?.since]);
          };
          expect(run(b)).toEqual(run(a));
        },
      ),
    );
  });

  it("never moves a marker backwards in time", () => {
    fc.assert(
      fc.property(fc.array(locationEvent, { maxLength: 40 }), (events) => {
        let state: PublisherState | undefined;
        let shown = -Infinity;
        for (const e of events.filter((x) => x.kind === "location" && x.jid === JIDS[0])) {
          state = reduce(state, e, T0);
          const t = state?.fix?.time ?? -Infinity;
          expect(t).toBeGreaterThanOrEqual(shown);
          shown = t;
        }
      }),
    );
  });
});
