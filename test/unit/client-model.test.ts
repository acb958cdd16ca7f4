import { describe, expect, it } from "vitest";
import {
  isVisible,
  missingFromSnapshot,
  reduce,
  type ModelEvent,
  type PublisherState,
} from "../../client-web/src/model/publisher.ts";
import { PublisherStore } from "../../client-web/src/model/store.ts";
import { mergeTrail } from "../../client-web/src/model/trail.ts";

const T0 = Date.parse("2026-11-26T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const A = "alice@localhost";

function fix(t: number, id = `i${t}`, extra: Record<string, string> = {}, live = true, session = 1): ModelEvent {
  return {
    kind: "location",
    jid: A,
    itemId: id,
    geoloc: { lat: "52.5", lon: String(13 + (t - T0) / 1e6), timestamp: iso(t), ...extra },
    live,
    session,
  };
}
const stop = (live = true, stamp?: number, session = 1): ModelEvent => ({
  kind: "location",
  jid: A,
  itemId: "s",
  geoloc: {},
  live,
  session,
  stamp,
});
const presence = (since: number, online = true, show?: "away", live = true, session = 1): ModelEvent => ({
  kind: "presence",
  presence: { jid: A, online, show, since },
  live,
  session,
});

function run(events: ModelEvent[], start?: PublisherState): PublisherState | undefined {
  return events.reduce<PublisherState | undefined>((s, e) => reduce(s, e, T0), start);
}

describe("the publisher reducer", () => {
  it("shows the first fix of a publisher", () => {
    const s = run([fix(T0)]);
    expect(s?.fix).toMatchObject({ lat: 52.5, lon: 13, time: T0, itemId: `i${T0}` });
    expect(isVisible(s!)).toBe(true);
  });

  it("moves to a newer fix", () => {
    expect(run([fix(T0), fix(T0 + 1000)])?.fix?.time).toBe(T0 + 1000);
  });

  it("never moves back to an older fix, live or replayed", () => {
    expect(run([fix(T0 + 1000), fix(T0, "old", {}, true)])?.fix?.itemId).toBe(`i${T0 + 1000}`);
    expect(run([fix(T0 + 1000), fix(T0, "old", {}, false)])?.fix?.itemId).toBe(`i${T0 + 1000}`);
  });

  it("keeps the same fix object for a replay of the current item", () => {
    const s = run([fix(T0)])!;
    expect(reduce(s, fix(T0, `i${T0}`, {}, false, 2), T0)!.fix).toBe(s.fix);
  });

  it("reads accuracy, bearing and speed as numbers and falls back to <error/> for accuracy", () => {
    expect(run([fix(T0, "a", { accuracy: "12", bearing: "90.5", speed: "3" })])?.fix).toMatchObject({
      accuracy: 12,
      bearing: 90.5,
      speed: 3,
    });
    expect(run([fix(T0, "a", { error: "7" })])?.fix?.accuracy).toBe(7);
  });

  it("removes the marker when the publisher stops sharing (empty geoloc)", () => {
    const s = run([fix(T0), stop()]);
    expect(s?.fix).toBeUndefined();
    expect(s && isVisible(s)).toBe(false);
  });

  it("does not bring back a stopped publisher with a replay of its old fix", () => {
    expect(run([fix(T0), stop(), fix(T0, `i${T0}`, {}, false, 2)])?.fix).toBeUndefined();
  });

  it("shows a publisher again when it shares a newer fix after stopping", () => {
    expect(run([fix(T0), stop(), fix(T0 + 5000)])?.fix?.time).toBe(T0 + 5000);
  });

  it("ignores a replayed stop that is older than the fix shown", () => {
    expect(run([fix(T0 + 5000), stop(false, T0)])?.fix?.time).toBe(T0 + 5000);
  });

  it("ignores a location without lat/lon for a publisher it does not know", () => {
    expect(
      reduce(
        undefined,
        { kind: "location", jid: A, itemId: "x", geoloc: { text: "home", timestamp: iso(T0) }, live: true, session: 1 },
        T0,
      ),
    ).toBeUndefined();
  });

  it("applies presence newest first and ignores an older one", () => {
    const s = run([presence(T0 + 10, false), presence(T0, true, undefined, false)]);
    expect(s?.presence).toMatchObject({ online: false, since: T0 + 10 });
    expect(run([presence(T0), presence(T0 + 10, true, "away")])?.presence?.show).toBe("away");
  });

  it("forgets presence when its item is retracted, keeps the fix", () => {
    const s = run([fix(T0), presence(T0), { kind: "presence-retracted", jid: A, session: 1 }]);
    expect(s?.presence).toBeUndefined();
    expect(s?.fix).toBeDefined();
  });

  it("drops the fix when its item is retracted, and only that item", () => {
    expect(run([fix(T0, "a"), { kind: "retract", jid: A, itemId: "b", session: 1 }])?.fix?.itemId).toBe("a");
    expect(run([fix(T0, "a"), { kind: "retract", jid: A, itemId: "a", session: 1 }])?.fix).toBeUndefined();
  });

  it("forgets the publisher when its node is deleted", () => {
    expect(run([fix(T0), presence(T0), { kind: "deleted", jid: A, session: 1 }])).toBeUndefined();
  });
});

describe("the snapshot merge after a reconnect", () => {
  it("drops publishers the fresh snapshot no longer lists, unless this session heard of them live", () => {
    const old = run([fix(T0, "a", {}, true, 1)])!;
    const liveNow = { ...old, jid: "bob@localhost", session: 2 };
    const listed = { ...old, jid: "carol@localhost", session: 2 };
    expect(missingFromSnapshot([old, liveNow, listed], new Set(["carol@localhost"]), 2)).toEqual([A]);
  });

  it("keeps the newer live position when an older snapshot arrives after it", () => {
    const store = new PublisherStore();
    store.apply([fix(T0, "a", {}, true, 1)], T0);
    store.apply([fix(T0 + 2000, "c", {}, true, 2)], T0); // live, new session, raced ahead of the snapshot
    store.apply([fix(T0 + 1000, "b", {}, false, 2)], T0); // the snapshot's latest item
    store.snapshotComplete(new Set([A]), 2);
    expect(store.get(A)?.fix?.itemId).toBe("c");
  });

  it("takes the snapshot's position when it is newer than what the map had", () => {
    const store = new PublisherStore();
    store.apply([fix(T0, "a", {}, true, 1)], T0);
    store.apply([fix(T0 + 1000, "b", {}, false, 2)], T0);
    store.snapshotComplete(new Set([A]), 2);
    expect(store.get(A)?.fix?.itemId).toBe("b");
  });

  it("keeps a publisher that the snapshot lists with an unchanged item", () => {
    const store = new PublisherStore();
    store.apply([fix(T0, "a", {}, true, 1)], T0);
    store.apply([fix(T0, "a", {}, false, 2)], T0);
    store.snapshotComplete(new Set([A]), 2);
    expect(store.get(A)?.fix?.itemId).toBe("a");
  });

  it("does not count a presence snapshot as being listed", () => {
    const store = new PublisherStore();
    store.apply([fix(T0, "a", {}, true, 1)], T0);
    store.apply([presence(T0, true, undefined, false, 2)], T0);
    store.snapshotComplete(new Set(), 2);
    expect(store.get(A)).toBeUndefined();
  });
});

describe("the publisher store", () => {
  it("reports each changed publisher once per batch and calls onChange once per batch", () => {
    const store = new PublisherStore();
    let calls = 0;
    store.onChange(() => calls++);
    store.apply([fix(T0), fix(T0 + 1), presence(T0)], T0);
    expect(store.takeDirty()).toEqual([A]);
    expect(calls).toBe(1);
    store.apply([fix(T0 + 1)], T0); // nothing new
    expect(store.takeDirty()).toEqual([]);
    store.apply([{ kind: "deleted", jid: A, session: 1 }], T0);
    expect(store.takeDirty()).toEqual([A]);
    expect(calls).toBe(2);
  });
});

describe("the trail", () => {
  const f = (t: number, id: string) => ({ itemId: id, geoloc: {}, lat: 0, lon: 0, time: t });
  it("orders points by time, dedupes by item id and keeps the newest", () => {
    const t = mergeTrail([f(3, "c"), f(1, "a")], [f(2, "b"), f(3, "c"), f(4, "d")], 3);
    expect(t.map((x) => x.itemId)).toEqual(["b", "c", "d"]);
  });
});
