// XEP-0115 caps, PEP events, XEP-0356 privileges and the echo/repeat rules, without a server.
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { isRepeat, RecentIds } from "../../component/src/core/pep.ts";
import { privilegedPublish, readPepEvent, readPrivileges } from "../../component/src/protocol/pep.ts";
import { CAPS_DISCO_NODE, CAPS_VER, capsElement, capsVer } from "../../component/src/xmpp/caps.ts";
import { serviceInfo } from "../../component/src/protocol/disco.ts";

const DISCO = "http://jabber.org/protocol/disco#info";
const feature = (v: string) => xml("feature", { var: v });

describe("XEP-0115 caps", () => {
  it("computes the §5.2 simple example's ver", () => {
    const q = xml(
      "query",
      { xmlns: DISCO },
      xml("identity", { category: "client", type: "pc", name: "Exodus 0.9.1" }),
      feature("http://jabber.org/protocol/caps"),
      feature("http://jabber.org/protocol/disco#info"),
      feature("http://jabber.org/protocol/disco#items"),
      feature("http://jabber.org/protocol/muc"),
    );
    expect(capsVer(q)).toBe("QgayPKawpkPSDYmwT/WM94uAlu0=");
  });

  it("computes the §5.3 complex example's ver (languages, non-ASCII name, extended form)", () => {
    const field = (v: string, ...values: string[]) =>
      xml("field", { var: v }, ...values.map((x) => xml("value", {}, x)));
    const q = xml(
      "query",
      { xmlns: DISCO },
      xml("identity", { "xml:lang": "en", category: "client", name: "Psi 0.11", type: "pc" }),
      xml("identity", { "xml:lang": "el", category: "client", name: "Ψ 0.11", type: "pc" }),
      feature("http://jabber.org/protocol/caps"),
      feature("http://jabber.org/protocol/disco#info"),
      feature("http://jabber.org/protocol/disco#items"),
      feature("http://jabber.org/protocol/muc"),
      xml(
        "x",
        { xmlns: "jabber:x:data", type: "result" },
        field("FORM_TYPE", "urn:xmpp:dataforms:softwareinfo"),
        field("ip_version", "ipv4", "ipv6"),
        field("os", "Mac"),
        field("os_version", "10.5.1"),
        field("software", "Psi"),
        field("software_version", "0.11"),
      ),
    );
    expect(capsVer(q)).toBe("q07IKJEyjvHSyhy//CH0CxmKi8w=");
  });

  it("announces geoloc+notify and a ver over exactly the disco#info it answers", () => {
    const info = serviceInfo(CAPS_DISCO_NODE);
    expect(info.getChildren("feature").map((f) => f.attrs.var)).toContain("http://jabber.org/protocol/geoloc+notify");
    expect(capsVer(info)).toBe(CAPS_VER);
    expect(capsElement().attrs).toMatchObject({ hash: "sha-1", ver: CAPS_VER });
    expect(CAPS_DISCO_NODE).toBe(`${capsElement().attrs.node}#${CAPS_VER}`);
  });
});

const event = (from: string, ...children: ReturnType<typeof xml>[]) =>
  xml(
    "message",
    { from, to: "geo.localhost", type: "headline" },
    xml(
      "event",
      { xmlns: "http://jabber.org/protocol/pubsub#event" },
      xml("items", { node: "http://jabber.org/protocol/geoloc" }, ...children),
    ),
  );
const gl = (lat: string) =>
  xml("geoloc", { xmlns: "http://jabber.org/protocol/geoloc" }, xml("lat", {}, lat), xml("lon", {}, "2"));

describe("PEP events", () => {
  it("reads items as publishes to the own node and retractions by id", () => {
    const ev = readPepEvent(
      event(
        "alice@localhost",
        xml("item", { id: "a", publisher: "alice@localhost" }, gl("1")),
        xml("retract", { id: "b" }),
      ),
    );
    expect(ev?.publisher).toBe("alice@localhost");
    expect(ev?.items.map((i) => [i.id, i.publish.node, i.publish.itemId, i.geoloc])).toEqual([
      ["a", "http://jabber.org/protocol/geoloc", "a", { lat: "1", lon: "2" }],
    ]);
    expect(ev?.items[0].publish.payload).toMatchObject({ count: 1, namespaceOk: true });
    expect(ev?.retracts).toEqual(["b"]);
  });

  it("is not a PEP event when sent from a full JID or a domain, or for another node", () => {
    expect(readPepEvent(event("alice@localhost/phone", xml("item", { id: "a" }, gl("1"))))).toBeUndefined();
    expect(readPepEvent(event("localhost", xml("item", { id: "a" }, gl("1"))))).toBeUndefined();
    const mood = xml(
      "message",
      { from: "alice@localhost" },
      xml(
        "event",
        { xmlns: "http://jabber.org/protocol/pubsub#event" },
        xml("items", { node: "http://jabber.org/protocol/mood" }),
      ),
    );
    expect(readPepEvent(mood)).toBeUndefined();
  });
});

describe("XEP-0356 privileges", () => {
  it("reads mod_privilege's advertisement (urn:xmpp:privilege:2)", () => {
    const m = xml(
      "message",
      { from: "localhost", to: "geo.localhost" },
      xml(
        "privilege",
        { xmlns: "urn:xmpp:privilege:2" },
        xml("perm", { access: "presence", type: "managed_entity" }),
        xml("perm", { access: "iq" }, xml("namespace", { ns: "http://jabber.org/protocol/pubsub", type: "set" })),
      ),
    );
    expect(readPrivileges(m)).toEqual({ host: "localhost", pubsubSet: true, presence: "managed_entity" });
  });

  it("grants no PEP writes for a get-only IQ permission, and ignores advertisements from users", () => {
    const perm = xml(
      "perm",
      { access: "iq" },
      xml("namespace", { ns: "http://jabber.org/protocol/pubsub", type: "get" }),
    );
    expect(
      readPrivileges(xml("message", { from: "localhost" }, xml("privilege", { xmlns: "urn:xmpp:privilege:2" }, perm)))
        ?.pubsubSet,
    ).toBe(false);
    expect(
      readPrivileges(
        xml("message", { from: "eve@localhost" }, xml("privilege", { xmlns: "urn:xmpp:privilege:2" }, perm)),
      ),
    ).toBeUndefined();
  });

  it("wraps a PEP publish in <privileged_iq/> addressed to the owner (§5)", () => {
    const iq = privilegedPublish("alice@localhost", "m1", "item1", { lat: "1", lon: "2" });
    expect(iq.attrs).toMatchObject({ type: "set", to: "alice@localhost", id: "m1" });
    const inner = iq.getChild("privileged_iq", "urn:xmpp:privilege:2")!.getChild("iq")!;
    expect(inner.attrs).toMatchObject({ xmlns: "jabber:client", type: "set", to: "alice@localhost" });
    const item = inner.getChild("pubsub")!.getChild("publish")!.getChild("item")!;
    expect(item.parent!.attrs.node).toBe("http://jabber.org/protocol/geoloc");
    expect(item.attrs.id).toBe("item1");
  });
});

describe("echoes and repeats", () => {
  it("remembers a bounded number of mirrored ids per publisher", () => {
    const r = new RecentIds(2, 2);
    r.add("a@x", "1");
    r.add("a@x", "2");
    r.add("a@x", "3");
    expect([r.has("a@x", "1"), r.has("a@x", "2"), r.has("a@x", "3")]).toEqual([false, true, true]);
    r.add("b@x", "1");
    r.add("c@x", "1"); // three publishers, room for two: the least recently mirrored goes
    expect(r.has("a@x", "3")).toBe(false);
    expect(r.has("c@x", "1")).toBe(true);
  });

  it("recognises a resent last item, ignoring a timestamp the service filled in", () => {
    const items = [
      { id: "a", publisher: "p@x", published: 0, geoloc: { lat: "1", lon: "2", timestamp: "2026-11-26T10:00:00Z" } },
    ];
    expect(isRepeat(items, "a", { lat: "1", lon: "2" })).toBe(true);
    expect(isRepeat(items, "a", { lat: "1", lon: "2", timestamp: "2026-11-26T10:00:00Z" })).toBe(true);
    expect(isRepeat(items, "a", { lat: "1", lon: "3" })).toBe(false);
    expect(isRepeat(items, "a", { lat: "1", lon: "2", timestamp: "2026-11-26T10:00:05Z" })).toBe(false);
    expect(isRepeat(items, "b", { lat: "1", lon: "2" })).toBe(false);
  });
});
