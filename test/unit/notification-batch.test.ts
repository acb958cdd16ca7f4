// Several items in one notification (XEP-0060 §7.1.2.1): what the outbox's flush makes of a batch.
import { Parser, type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import type { Item, Notification } from "../../component/src/core/model.ts";
import { MAX_MESSAGE_BYTES, serialiseBatch } from "../../component/src/protocol/events.ts";
import { parseNotification } from "../../client-web/src/xmpp/parse.ts";

const EVENT = "http://jabber.org/protocol/pubsub#event";
const item = (to: string, publisher: string, n: number, extra: Partial<Notification> = {}): Notification => ({
  to,
  ...extra,
  event: {
    kind: "item",
    node: publisher,
    item: { id: `${publisher}#${n}`, publisher, geoloc: { lat: String(n), lon: "0" }, published: n } as Item,
  },
});
const presence = (to: string, publisher: string): Notification => ({
  to,
  event: { kind: "presence", presence: { jid: publisher, online: true, since: 0 } },
});

/** The messages of a serialised batch, parsed. */
function messages(batch: Notification[]): Element[] {
  const { data, messages: count } = serialiseBatch("geo.localhost", batch);
  const out: Element[] = [];
  const p = new Parser();
  p.on("element", (el: Element) => out.push(el));
  p.write(`<root>${data}</root>`);
  expect(out).toHaveLength(count);
  return out;
}
const summary = (m: Element) => {
  const items = m.getChild("event", EVENT)!.getChild("items")!;
  return `${m.attrs.to} ${items.attrs.node}: ${items
    .getChildElements()
    .map((c) => `${c.name === "retract" ? "-" : ""}${c.attrs.id}`)
    .join(",")}`;
};

describe("notifications batched per recipient and node", () => {
  it("puts consecutive items of one node to one viewer into one <items/>, in the core's order", () => {
    const ms = messages([item("v@l/a", "p@l", 1), item("v@l/a", "p@l", 2), item("v@l/a", "p@l", 3)]);
    expect(ms.map(summary)).toEqual(["v@l/a p@l: p@l#1,p@l#2,p@l#3"]);
    expect(ms[0].attrs.type).toBe("headline");
  });

  it("is not split by other viewers' messages in between, and keeps each viewer's order", () => {
    const ms = messages([
      item("v@l/a", "p@l", 1),
      item("w@l/b", "p@l", 1),
      item("v@l/a", "p@l", 2),
      item("w@l/b", "p@l", 2),
    ]);
    expect(ms.map(summary)).toEqual(["v@l/a p@l: p@l#1,p@l#2", "w@l/b p@l: p@l#1,p@l#2"]);
  });

  it("splits at another node, another kind of event and a replayed item", () => {
    const retract: Notification = { to: "v@l/a", event: { kind: "retract", node: "p@l", ids: ["x"] } };
    const retract2: Notification = { to: "v@l/a", event: { kind: "retract", node: "p@l", ids: ["y", "z"] } };
    const ms = messages([
      item("v@l/a", "p@l", 1),
      item("v@l/a", "q@l", 1),
      item("v@l/a", "p@l", 2),
      item("v@l/a", "p@l", 3),
      retract,
      retract2,
      item("v@l/a", "p@l", 4),
      item("v@l/a", "p@l", 5, { delayed: true }),
      item("v@l/a", "p@l", 6),
      { to: "v@l/a", event: { kind: "purge", node: "p@l" } },
      item("v@l/a", "p@l", 7),
    ]);
    expect(ms.slice(0, 5).map(summary)).toEqual([
      "v@l/a p@l: p@l#1",
      "v@l/a q@l: q@l#1",
      "v@l/a p@l: p@l#2,p@l#3",
      "v@l/a p@l: -x,-y,-z",
      "v@l/a p@l: p@l#4",
    ]);
    expect(summary(ms[5])).toBe("v@l/a p@l: p@l#5");
    expect(ms[5].getChild("delay", "urn:xmpp:delay")).toBeDefined();
    expect(ms.slice(6).map((m) => m.getChild("event", EVENT)!.getChildElements()[0].name)).toEqual([
      "items",
      "purge",
      "items",
    ]);
  });

  it("groups presence changes of several publishers on node presence", () => {
    const ms = messages([presence("v@l/a", "a@l"), presence("v@l/a", "b@l"), presence("v@l/a", "c@l")]);
    expect(ms.map(summary)).toEqual(["v@l/a presence: a@l,b@l,c@l"]);
  });

  it("keeps every message under 64 KiB and loses no item", () => {
    const batch = Array.from({ length: 2000 }, (_, i) => item("v@l/a", "p@l", i));
    const { data } = serialiseBatch("geo.localhost", batch);
    const ms = messages(batch);
    expect(ms.length).toBeGreaterThan(1);
    for (const m of ms) expect(new TextEncoder().encode(m.toString()).length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const ids = ms.flatMap((m) =>
      m
        .getChild("event", EVENT)!
        .getChild("items")!
        .getChildren("item")
        .map((i) => i.attrs.id),
    );
    expect(ids).toEqual(batch.map((n) => (n.event as { item: Item }).item.id));
    expect(data.length).toBeGreaterThan(MAX_MESSAGE_BYTES);
  });

  it(
    "puts replayed items of locations (an area's newly visible publishers) in one message, " + "each with its <delay/>",
    () => {
      const replay = (publisher: string): Notification => ({
        to: "v@l/a",
        delayed: true,
        event: {
          kind: "item",
          node: "locations",
          item: {
            id: `${publisher}#1`,
            publisher,
            geoloc: { lat: "1", lon: "2" },
            published: 1_700_000_000_000,
          } as Item,
        },
      });
      const ms = messages([replay("a@l"), replay("b@l"), item("v@l/a", "a@l", 2)]);
      expect(ms.map(summary)).toEqual(["v@l/a locations: a@l#1,b@l#1", "v@l/a a@l: a@l#2"]);
      const evs = parseNotification(ms[0], 1);
      expect(
        evs.map((e) => [(e as { jid: string }).jid, (e as { live: boolean }).live, (e as { stamp?: number }).stamp]),
      ).toEqual([
        ["a@l", false, 1_700_000_000_000],
        ["b@l", false, 1_700_000_000_000],
      ]);
      // leaving an area: a retraction the map's parser reads as "that item is gone"
      const [leave] = messages([{ to: "v@l/a", event: { kind: "retract", node: "a@l", ids: ["a@l#1"], leave: true } }]);
      expect(parseNotification(leave, 1)).toEqual([{ kind: "retract", jid: "a@l", itemId: "a@l#1", session: 1 }]);
    },
  );

  it("is read whole by the map's parser", () => {
    const [m] = messages([item("v@l/a", "p@l", 1), item("v@l/a", "p@l", 2)]);
    expect(parseNotification(m, 1).map((e) => (e as { itemId: string }).itemId)).toEqual(["p@l#1", "p@l#2"]);
  });
});
