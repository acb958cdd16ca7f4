import { describe, expect, it } from "vitest";
import { emptyPublisher, type PublisherState } from "../../client-web/src/model/publisher.ts";
import { deriveStatus, formatAge, formatSpeed } from "../../client-web/src/model/status.ts";
import { displayName, listRows } from "../../client-web/src/model/list.ts";

const NOW = Date.parse("2026-11-26T10:00:00Z");

function pub(
  jid: string,
  o: {
    age?: number;
    online?: boolean;
    show?: "away" | "dnd" | "chat";
    since?: number;
    speed?: number;
    text?: string;
  } = {},
): PublisherState {
  const p = emptyPublisher(jid);
  p.fix = { itemId: "1", geoloc: { text: o.text }, lat: 0, lon: 0, time: NOW - (o.age ?? 0), speed: o.speed };
  if (o.online !== undefined) p.presence = { jid, online: o.online, show: o.show, since: o.since ?? NOW };
  return p;
}

describe("status derivation", () => {
  it("says online, away and offline in words", () => {
    expect(deriveStatus(pub("a@x", { online: true }), NOW)).toMatchObject({ status: "online", text: "online" });
    expect(deriveStatus(pub("a@x", { online: true, show: "away" }), NOW)).toMatchObject({
      status: "away",
      text: "away",
    });
    expect(deriveStatus(pub("a@x", { online: true, show: "dnd" }), NOW)).toMatchObject({
      status: "away",
      text: "do not disturb",
    });
  });

  it("tells when an offline publisher was last seen", () => {
    expect(deriveStatus(pub("a@x", { online: false, since: NOW - 5 * 60_000 }), NOW).text).toBe(
      "offline, last seen 5 min ago",
    );
  });

  it("says presence unknown when there is no presence item", () => {
    expect(deriveStatus(pub("a@x"), NOW).status).toBe("unknown");
  });

  it("marks a publisher stale when its last fix is older than the threshold", () => {
    expect(deriveStatus(pub("a@x", { online: true, age: 10_000 }), NOW, 60_000).stale).toBe(false);
    expect(deriveStatus(pub("a@x", { online: true, age: 61_000 }), NOW, 60_000).stale).toBe(true);
  });

  it("never reports a negative age for a publisher whose clock runs ahead", () => {
    expect(deriveStatus(pub("a@x", { age: -3000 }), NOW).fixAge).toBe(0);
  });

  it("formats ages and speeds for people", () => {
    expect([
      formatAge(1000),
      formatAge(42_000),
      formatAge(300_000),
      formatAge(3 * 3600_000 + 60_000 * 20),
      formatAge(50 * 3600_000),
    ]).toEqual(["just now", "42 s", "5 min", "3 h 20 min", "2 d"]);
    expect(formatSpeed(10)).toBe("36 km/h");
    expect(formatSpeed(undefined)).toBe("");
  });
});

describe("the side panel rows", () => {
  const all = [
    pub("carol@x", { online: false, age: 1000, speed: 1 }),
    pub("alice@x", { online: true, age: 5000, speed: 9, text: "Harbour" }),
    pub("bob@x", { online: true, show: "away", age: 100, speed: 3 }),
  ];
  const q = { text: "", statuses: new Set<never>(), sort: "name" as const, staleAfterMs: 60_000 };

  it("sorts by name, status, age and speed", () => {
    expect(listRows(all, q, NOW)).toEqual(["alice@x", "bob@x", "carol@x"]);
    expect(listRows(all, { ...q, sort: "status" }, NOW)).toEqual(["alice@x", "bob@x", "carol@x"]);
    expect(listRows(all, { ...q, sort: "age" }, NOW)).toEqual(["bob@x", "carol@x", "alice@x"]);
    expect(listRows(all, { ...q, sort: "speed" }, NOW)).toEqual(["alice@x", "bob@x", "carol@x"]);
  });

  it("sorts names with numbers in numeric order", () => {
    const many = ["p10@x", "p2@x", "p1@x"].map((j) => pub(j, { online: true }));
    expect(listRows(many, q, NOW)).toEqual(["p1@x", "p2@x", "p10@x"]);
  });

  it("filters by text (JID and location words) and by status", () => {
    expect(listRows(all, { ...q, text: "harb" }, NOW)).toEqual(["alice@x"]);
    expect(listRows(all, { ...q, text: "CAR" }, NOW)).toEqual(["carol@x"]);
    expect(listRows(all, { ...q, statuses: new Set(["offline" as const]) }, NOW)).toEqual(["carol@x"]);
  });

  it("leaves out publishers without a position", () => {
    const hidden = emptyPublisher("dave@x");
    expect(listRows([...all, hidden], q, NOW)).not.toContain("dave@x");
  });

  it("names a publisher by the local part of its JID", () => {
    expect(displayName("alice@localhost")).toBe("alice");
    expect(displayName("localhost")).toBe("localhost");
  });
});
