import { describe, expect, it } from "vitest";
import xml from "@xmpp/xml";
import { parseItemsResult, parseNotification } from "../../client-web/src/xmpp/parse.ts";

const EVENT = "http://jabber.org/protocol/pubsub#event";
const GEO = "http://jabber.org/protocol/geoloc";
const geoloc = (lat: string, lon: string) =>
  xml("geoloc", { xmlns: GEO }, xml("lat", {}, lat), xml("lon", {}, lon), xml("timestamp", {}, "2026-11-26T10:00:00Z"));
const message = (...children: ReturnType<typeof xml>[]) =>
  xml("message", { type: "headline", from: "geo.localhost" }, xml("event", { xmlns: EVENT }, ...children));

describe("parsing notifications", () => {
  it("keys a location by the publisher attribute", () => {
    const evs = parseNotification(
      message(
        xml(
          "items",
          { node: "alice@localhost" },
          xml("item", { id: "1", publisher: "alice@localhost" }, geoloc("52.5", "13.4")),
        ),
      ),
      3,
    );
    expect(evs).toEqual([
      {
        kind: "location",
        jid: "alice@localhost",
        itemId: "1",
        geoloc: { lat: "52.5", lon: "13.4", timestamp: "2026-11-26T10:00:00Z" },
        live: true,
        session: 3,
        stamp: undefined,
      },
    ]);
  });

  it("reads a presence item with its show and since", () => {
    const [ev] = parseNotification(
      message(
        xml(
          "items",
          { node: "presence" },
          xml(
            "item",
            { id: "bob@localhost", publisher: "bob@localhost" },
            xml(
              "presence",
              { xmlns: "jabber:client", from: "bob@localhost" },
              xml("show", {}, "away"),
              xml("delay", { xmlns: "urn:xmpp:delay", stamp: "2026-11-26T10:05:00Z" }),
            ),
          ),
        ),
      ),
      1,
    );
    expect(ev).toEqual({
      kind: "presence",
      presence: { jid: "bob@localhost", online: true, show: "away", since: Date.parse("2026-11-26T10:05:00Z") },
      live: true,
      session: 1,
    });
  });

  it("reads an unavailable presence as offline", () => {
    const [ev] = parseNotification(
      message(
        xml(
          "items",
          { node: "presence" },
          xml(
            "item",
            { id: "bob@localhost", publisher: "bob@localhost" },
            xml("presence", { xmlns: "jabber:client", from: "bob@localhost", type: "unavailable" }),
          ),
        ),
      ),
      1,
    );
    expect(ev).toMatchObject({ kind: "presence", presence: { online: false } });
  });

  it("turns an empty geoloc into a location event the model treats as a stop", () => {
    const [ev] = parseNotification(
      message(
        xml(
          "items",
          { node: "alice@localhost" },
          xml("item", { id: "2", publisher: "alice@localhost" }, xml("geoloc", { xmlns: GEO })),
        ),
      ),
      1,
    );
    expect(ev).toMatchObject({ kind: "location", geoloc: {} });
  });

  it("reads retracts, node deletion and purge", () => {
    const evs = parseNotification(
      message(
        xml("items", { node: "alice@localhost" }, xml("retract", { id: "7" })),
        xml("items", { node: "presence" }, xml("retract", { id: "bob@localhost" })),
        xml("delete", { node: "carol@localhost" }),
        xml("purge", { node: "dave@localhost" }),
      ),
      1,
    );
    expect(evs.map((e) => [e.kind, "jid" in e ? e.jid : ""])).toEqual([
      ["retract", "alice@localhost"],
      ["presence-retracted", "bob@localhost"],
      ["deleted", "carol@localhost"],
      ["location", "dave@localhost"],
    ]);
  });

  it("treats a notification with <delay/> as a replay, not live", () => {
    const msg = message(
      xml(
        "items",
        { node: "alice@localhost" },
        xml("item", { id: "1", publisher: "alice@localhost" }, geoloc("1", "2")),
      ),
    );
    msg.c("delay", { xmlns: "urn:xmpp:delay", stamp: "2026-11-26T09:00:00Z" });
    expect(parseNotification(msg, 1)[0]).toMatchObject({ live: false, stamp: Date.parse("2026-11-26T09:00:00Z") });
  });

  it("ignores messages that are not pubsub events", () => {
    expect(parseNotification(xml("message", {}, xml("body", {}, "hi")), 1)).toEqual([]);
    expect(parseNotification(xml("presence", {}), 1)).toEqual([]);
  });
});

describe("parsing items results", () => {
  const result = (node: string, ...items: ReturnType<typeof xml>[]) =>
    xml(
      "iq",
      { type: "result" },
      xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }, xml("items", { node }, ...items)),
    );

  it("lists the publishers of a locations snapshot, keyed by publisher", () => {
    const page = parseItemsResult(
      result(
        "locations",
        xml("item", { id: "a1", publisher: "alice@localhost" }, geoloc("1", "2")),
        xml("item", { id: "b1", publisher: "bob@localhost" }, geoloc("3", "4")),
      ),
      2,
    );
    expect(page.publishers).toEqual(["alice@localhost", "bob@localhost"]);
    expect(page.events.every((e) => e.kind === "location" && !e.live && e.session === 2)).toBe(true);
    expect(page.next).toBeUndefined();
  });

  it("reads the delay of a replayed item", () => {
    const item = xml(
      "item",
      { id: "a1", publisher: "alice@localhost" },
      geoloc("1", "2"),
      xml("delay", { xmlns: "urn:xmpp:delay", stamp: "2026-11-26T09:00:00Z" }),
    );
    expect(parseItemsResult(result("alice@localhost", item), 1).events[0]).toMatchObject({
      stamp: Date.parse("2026-11-26T09:00:00Z"),
    });
  });

  it("asks for the next page when the service pages with XEP-0059", () => {
    const iq = result("locations", xml("item", { id: "a1", publisher: "alice@localhost" }, geoloc("1", "2")));
    iq.getChild("pubsub")!
      .c("set", { xmlns: "http://jabber.org/protocol/rsm" })
      .c("first", { index: "0" })
      .t("a1")
      .up()
      .c("last")
      .t("a1")
      .up()
      .c("count")
      .t("5");
    expect(parseItemsResult(iq, 1).next).toBe("a1");
  });
});
