// Areas (geo#bbox): the box, the in-area check, and who an area subscriber is told about.
import { describe, expect, it } from "vitest";
import { inArea, parseBBox, PositionIndex } from "../../component/src/core/area.ts";
import { Digests } from "../../component/src/core/digest.ts";
import type { Notification } from "../../component/src/core/model.ts";
import { GeoService, OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";

const V = "val@localhost/map";
const OPT = "http://jabber.org/protocol/pubsub#subscribe_options";
const make = () => {
  let n = 0;
  return new GeoService(new MemoryStore(), { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) }, () => `id${++n}`);
};
const at = (lat: number, lon: number, id: string): PublishRequest => ({
  node: OWN_NODE,
  itemId: id,
  payload: {
    entries: [
      { name: "lat", text: String(lat), plain: true },
      { name: "lon", text: String(lon), plain: true },
    ],
    bytes: 50,
    namespaceOk: true,
    count: 1,
  },
});
const pub = (svc: GeoService, who: string, req: PublishRequest) => {
  const r = svc.publish(`${who}@localhost/p`, req, 0);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value.notifications.filter((n) => n.to === V);
};
const read = (ns: Notification[]) =>
  ns.map((n) => {
    const e = n.event;
    if (e.kind === "item") return `${e.node} ${e.item.id}${n.delayed ? " (replay)" : ""}`;
    if (e.kind === "retract") return `${e.node} -${e.ids.join(",")}`;
    if (e.kind === "presence") return `presence ${e.presence.jid}`;
    if (e.kind === "presence-retract") return `presence -${e.jid}`;
    return e.kind;
  });

describe("the box", () => {
  it("reads south,west,north,east and refuses anything else", () => {
    expect(parseBBox("52.3,13.0,52.7,13.8")).toEqual({
      ok: true,
      value: { south: 52.3, west: 13, north: 52.7, east: 13.8 },
    });
    expect(parseBBox("")).toEqual({ ok: true, value: undefined });
    for (const bad of ["1,2,3", "a,b,c,d", "91,0,92,1", "0,-181,1,0", "10,0,5,1", "1e1,0,20,1", "NaN,0,1,1"]) {
      expect(parseBBox(bad)).toMatchObject({
        ok: false,
        error: { condition: "bad-request", pubsub: "invalid-options" },
      });
    }
  });

  it("crosses the antimeridian when west > east, and the index finds the points on both sides", () => {
    const box = { south: -20, west: 170, north: -10, east: -170 };
    expect(inArea(box, { lat: -15, lon: 175 })).toBe(true);
    expect(inArea(box, { lat: -15, lon: -175 })).toBe(true);
    expect(inArea(box, { lat: -15, lon: 0 })).toBe(false);
    const idx = new PositionIndex();
    const item = (lat: number, lon: number) => ({
      id: "x",
      publisher: "p",
      published: 0,
      geoloc: { lat: String(lat), lon: String(lon) },
    });
    idx.set("east", item(-15, 175));
    idx.set("west", item(-15, -175));
    idx.set("far", item(-15, 0));
    idx.set("gone", item(-15, 179));
    idx.set("gone", undefined);
    expect(idx.within(box).sort()).toEqual(["east", "west"]);
  });
});

describe("area subscriptions", () => {
  it("tells entering with the item, leaving once with a retraction of the item last told, and nothing outside", () => {
    const svc = make();
    svc.subscribe(V, "locations", V, { FORM_TYPE: OPT, "geo#bbox": "0,0,10,10" });
    expect(read(pub(svc, "a", at(20, 20, "out")))).toEqual([]);
    expect(read(pub(svc, "a", at(5, 5, "in1")))).toEqual(["a@localhost in1"]);
    expect(read(pub(svc, "a", at(6, 6, "in2")))).toEqual(["a@localhost in2"]);
    expect(read(pub(svc, "a", at(30, 30, "out2")))).toEqual(["a@localhost -in2"]);
    expect(read(pub(svc, "a", at(31, 31, "out3")))).toEqual([]);
  });

  it("changing the area sends the newly visible publishers' latest items and a leave for the others", () => {
    const svc = make();
    pub(svc, "a", at(5, 5, "a1"));
    pub(svc, "b", at(15, 15, "b1"));
    const s = svc.subscribe(V, "locations", V, { FORM_TYPE: OPT, "geo#bbox": "0,0,10,10" });
    expect(s.ok && read(s.value.notifications)).toEqual(["locations a1 (replay)"]);
    const r = svc.setOptions(V, "locations", V, undefined, { FORM_TYPE: OPT, "geo#bbox": "10,10,20,20" });
    expect(r.ok && read(r.value.notifications)).toEqual(["a@localhost -a1", "locations b1 (replay)"]);
    const bad = svc.setOptions(V, "locations", V, undefined, { FORM_TYPE: OPT, "geo#bbox": "20,10,10,20" });
    expect(bad.ok).toBe(false);
    expect(read(pub(svc, "b", at(16, 16, "b2")))).toEqual(["b@localhost b2"]);
  });

  it("a presence subscription with an area follows the same set", () => {
    const svc = make();
    pub(svc, "a", at(50, 50, "a0"));
    svc.presence("a@localhost/p", true, undefined, 0, 1);
    svc.subscribe(V, "presence", V, { FORM_TYPE: OPT, "geo#bbox": "0,0,10,10" });
    expect(svc.presence("a@localhost/p", true, "away", 0, 2).notifications.filter((n) => n.to === V)).toEqual([]);
    expect(read(pub(svc, "a", at(5, 5, "a1")))).toEqual(["presence a@localhost"]);
    expect(read(svc.presence("a@localhost/p", false, undefined, 0, 3).notifications.filter((n) => n.to === V))).toEqual(
      ["presence a@localhost"],
    );
    expect(read(pub(svc, "a", at(50, 50, "a2")))).toEqual(["presence -a@localhost"]);
  });

  it("refuses an area on a personal node", () => {
    const svc = make();
    pub(svc, "a", at(5, 5, "a1"));
    const r = svc.subscribe(V, "a@localhost", V, { FORM_TYPE: OPT, "geo#bbox": "0,0,10,10" });
    expect(!r.ok && r.error.condition).toBe("not-acceptable");
  });

  it("in a digest, leaving retracts the item the digests delivered", () => {
    const svc = make();
    const digests = new Digests(svc);
    svc.subscribe(V, "locations", V, {
      FORM_TYPE: OPT,
      "geo#bbox": "0,0,10,10",
      "pubsub#digest": "1",
      "pubsub#digest_frequency": "1000",
    });
    digests.route(pub(svc, "a", at(5, 5, "a1")));
    expect(read(digests.due(0))).toEqual(["locations a1"]);
    digests.route(pub(svc, "a", at(6, 6, "a2")));
    digests.route(pub(svc, "a", at(60, 6, "a3")));
    expect(read(digests.due(1000))).toEqual(["a@localhost -a1"]);
  });
});
