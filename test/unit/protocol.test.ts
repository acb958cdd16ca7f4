import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { validateGeoloc } from "../../component/src/core/geoloc.ts";
import { errorElement } from "../../component/src/protocol/errors.ts";
import { serialiseNotifications } from "../../component/src/protocol/events.ts";
import { geolocElement, geolocEntries, readGeoloc } from "../../component/src/protocol/geoloc.ts";
import { readPresencePayload, presencePayload } from "../../component/src/protocol/presence.ts";
import { readAction } from "../../component/src/protocol/requests.ts";

describe("XML mapping", () => {
  it("round-trips the XEP-0080 §4 example through entries, validation and back", () => {
    const el = xml("geoloc", { xmlns: "http://jabber.org/protocol/geoloc", "xml:lang": "en" },
      xml("accuracy", {}, "20"), xml("country", {}, "Italy"), xml("lat", {}, "45.44"), xml("locality", {}, "Venice"),
      xml("lon", {}, "12.33"), xml("timestamp", {}, "2004-02-19T21:12:00Z"));
    const r = validateGeoloc(geolocEntries(el), Date.now(), el.attrs["xml:lang"]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(geolocElement(r.geoloc).toString()).toBe(el.toString());
      expect(readGeoloc(geolocElement(r.geoloc))).toEqual(r.geoloc);
    }
  });

  it("builds the XEP-0060 §7.1.2.3 notification: headline, publisher on the item", () => {
    const out = serialiseNotifications("geo.localhost", [{ to: "bob@localhost/web", event: { kind: "item", node: "alice@localhost", item: { id: "ae890ac52d0df67ed7cfdf51b644e901", publisher: "alice@localhost", geoloc: { lat: "1", lon: "2" }, published: 0 } } }]);
    expect(out).toBe(
      "<message type='headline' from='geo.localhost' to='bob@localhost/web'><event xmlns=\"http://jabber.org/protocol/pubsub#event\">" +
      "<items node=\"alice@localhost\"><item id=\"ae890ac52d0df67ed7cfdf51b644e901\" publisher=\"alice@localhost\">" +
      "<geoloc xmlns=\"http://jabber.org/protocol/geoloc\"><lat>1</lat><lon>2</lon></geoloc></item></items></event></message>");
  });

  it("escapes recipient addresses", () => {
    const out = serialiseNotifications("geo.localhost", [{ to: "a'b@localhost/x<y", event: { kind: "purge", node: "n" } }]);
    expect(out).toContain("to='a&apos;b@localhost/x&lt;y'");
  });

  it("maps error values to RFC 6120 types, with <text/> before the XEP-0060 application condition (RFC 6120 §8.3.2)", () => {
    expect(errorElement({ condition: "bad-request", pubsub: "invalid-payload", text: "lat: not a decimal number" }).toString()).toBe(
      '<error type="modify"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
      '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas" xml:lang="en">lat: not a decimal number</text>' +
      '<invalid-payload xmlns="http://jabber.org/protocol/pubsub#errors"/></error>');
    expect(errorElement({ condition: "forbidden" }).attrs.type).toBe("auth");
  });

  it("round-trips a presence item payload", () => {
    const p = { jid: "alice@localhost", online: false, since: Date.parse("2026-11-26T10:05:00Z") };
    expect(readPresencePayload(presencePayload(p))).toEqual({ ...p, show: undefined });
    expect(presencePayload(p).toString()).toContain("type=\"unavailable\"");
  });

  it("reads a publish and refuses a pubsub element with two actions", () => {
    const one = readAction(xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }, xml("publish", { node: "n" })), "set");
    expect(one.ok && one.value.key).toBe("set_publish");
    const two = readAction(xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }, xml("publish", { node: "n" }), xml("retract", { node: "n" })), "set");
    expect(two.ok).toBe(false);
  });
});
