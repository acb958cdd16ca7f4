import { describe, expect, it } from "vitest";
import { coarsen } from "../../component/src/core/coarse.ts";
import type { Item, PersonalNode } from "../../component/src/core/model.ts";
import { precisionFor, viewFor } from "../../component/src/core/precision.ts";
import { MemoryStore } from "../../component/src/core/memory-store.ts";
import { GeoService } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { formOf } from "../../component/src/protocol/node-config.ts";

const item: Item = {
  id: "i1",
  publisher: "olga@localhost",
  published: 0,
  geoloc: { lat: "48.137154", lon: "11.576124", street: "Marienplatz", accuracy: "3" },
};
const node = (coarseKm: number, exact: string[] = []): PersonalNode => ({
  name: "olga@localhost",
  config: { accessModel: "open", maxItems: 20, title: "", coarseKm, exact },
  affiliations: new Map(),
  items: [item],
});

describe("viewFor: what one viewer sees of a fix", () => {
  it(
    "gives the owner, geo#exact and the item's own publisher the exact fix, " + "everybody else the same coarse object",
    () => {
      const n = node(10, ["ella@localhost"]);
      expect(viewFor(n, "olga@localhost/phone", item)).toBe(item);
      expect(viewFor(n, "ella@localhost/map", item)).toBe(item);
      const a = viewFor(n, "cole@localhost/map", item);
      expect(a).toEqual({ ...item, geoloc: coarsen(item.geoloc, 10) });
      expect(viewFor(n, "dan@localhost", item)).toBe(a); // one object per view: serialised once for all coarse viewers
      expect(viewFor(n, undefined, item)).toBe(a); // "anyone" (the PEP mirror)
      expect(
        viewFor({ ...n, items: [{ ...item, publisher: "hal@localhost" }] }, "hal@localhost", {
          ...item,
          publisher: "hal@localhost",
        })!.geoloc,
      ).toEqual(item.geoloc);
      // JIDs arrive normalised
      expect([precisionFor(n, "ELLA@localhost"), precisionFor(node(0), "cole@localhost")]).toEqual(["coarse", "exact"]);
    },
  );

  it("follows the configuration at the time of the call: another grid, another cell", () => {
    const n = node(10);
    const ten = viewFor(n, "cole@localhost", item);
    n.config = { ...n.config, coarseKm: 50 };
    expect(viewFor(n, "cole@localhost", item)!.geoloc).toEqual(coarsen(item.geoloc, 50));
    expect(viewFor(n, "cole@localhost", item)).not.toBe(ten);
  });

  it("after share_until shows nothing to anyone but the owner", () => {
    const n = { ...node(0), sharingEnded: true };
    expect([
      viewFor(n, "cole@localhost", item),
      viewFor(n, undefined, item),
      viewFor(n, "olga@localhost/x", item),
    ]).toEqual([undefined, undefined, item]);
  });
});

describe("share_until without a clock", () => {
  it(
    "names the next deadline, " + "ends due nodes once with an empty fix to their viewers, and resumes a cleared one",
    () => {
      let n = 0;
      const svc = new GeoService(
        new MemoryStore(),
        { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) },
        () => `id${++n}`,
      );
      svc.publish(
        "olga@localhost/phone",
        {
          node: "http://jabber.org/protocol/geoloc",
          payload: {
            entries: [
              { name: "lat", text: "1", plain: true },
              { name: "lon", text: "2", plain: true },
            ],
            bytes: 40,
            namespaceOk: true,
            count: 1,
          },
        },
        0,
      );
      svc.subscribe("v@localhost", "locations", "v@localhost");
      expect(
        svc.configure("olga@localhost", "olga@localhost", formOf({ "geo#share_until": "1970-01-01T00:00:10Z" }), 0).ok,
      ).toBe(true);
      expect(svc.nextDeadline()).toBe(10_000);
      expect(svc.endSharing(9_999).notifications).toEqual([]);
      const ended = svc.endSharing(10_000);
      expect(ended.notifications.map((x) => [x.to, x.event.kind === "item" && x.event.item.geoloc])).toEqual([
        ["v@localhost", {}],
      ]);
      expect(svc.endSharing(20_000).notifications).toEqual([]); // once
      expect(svc.nextDeadline()).toBeUndefined();
      expect(svc.items("v@localhost", "locations", undefined, undefined)).toEqual({ ok: true, value: [] });
      svc.configure("olga@localhost", "olga@localhost", formOf({ "geo#share_until": "" }), 30_000);
      expect(
        svc.items("v@localhost", "locations", undefined, undefined).ok &&
          svc.items("v@localhost", "locations", undefined, undefined),
      ).toMatchObject({ value: [{ node: "olga@localhost" }] });
    },
  );
});
