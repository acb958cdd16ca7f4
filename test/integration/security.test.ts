// Spoofing, abuse limits, erasure and coarse sharing against a real Prosody and the real component.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coarsen } from "../../component/src/core/coarse.ts";
import { PROSODY_INSTALL } from "../../prosody/server.ts";
import { geoloc, isEvent, NS_EVENT, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const ROOT = join(import.meta.dirname, "../..");
let stack: Stack;
let viewer: TestClient;

beforeAll(async () => {
  stack = await startStack();
  viewer = await stack.viewer("watcher");
  await viewer.iq("set", pubsub(xml("subscribe", { node: "locations", jid: viewer.jid })));
});
afterAll(() => stack?.stop());

const configForm = (fields: Record<string, string>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml(
      "field",
      { var: "FORM_TYPE", type: "hidden" },
      xml("value", {}, "http://jabber.org/protocol/pubsub#node_config"),
    ),
    ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );
/** An error as [type, conditions..., text] */
const errorOf = (reply: Element) => {
  const e = reply.getChild("error")!;
  return [
    e.attrs.type,
    ...e
      .getChildElements()
      .filter((c) => c.name !== "text")
      .map((c) => `${c.name} ${c.attrs.xmlns}`),
    e.getChildText("text"),
  ];
};
const itemsOf = async (c: TestClient, node: string) =>
  (await c.iq("get", pubsub(xml("items", { node })))).getChild("pubsub")!.getChild("items")!.getChildren("item");

describe("spoofing", () => {
  it("stamps the real publisher on items results too, and a publisher-affiliate's items with its own JID", async () => {
    const own = await stack.user("owen");
    const helper = await stack.user("hal");
    await own.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "o1"));
    await own.iq(
      "set",
      owner(
        xml(
          "affiliations",
          { node: "owen@localhost" },
          xml("affiliation", { jid: "hal@localhost", affiliation: "publisher" }),
        ),
      ),
    );
    const forged = publishEl(geoloc({ lat: 2, lon: 2 }), "owen@localhost", "h1");
    forged.getChild("publish")!.getChild("item")!.attrs.publisher = "owen@localhost"; // hal pretends to be the owner
    await helper.iq("set", forged);
    const items = await itemsOf(viewer, "owen@localhost");
    expect(items.map((i) => [i.attrs.id, i.attrs.publisher])).toEqual([
      ["o1", "owen@localhost"],
      ["h1", "hal@localhost"],
    ]);
    const ev = await viewer.waitFor((s) => isEvent(s, "owen@localhost", (i) => i.attrs.id === "h1"), "hal's item");
    expect(ev.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!.attrs.publisher).toBe("hal@localhost");
  });

  it("forbids a member (who may see the node) to publish to it or retract from it", async () => {
    const wl = await stack.user("wilma");
    await wl.iq("set", publishEl(geoloc({ lat: 3, lon: 3 }), undefined, "w1"));
    await wl.iq(
      "set",
      owner(xml("configure", { node: "wilma@localhost" }, configForm({ "pubsub#access_model": "whitelist" }))),
    );
    await wl.iq(
      "set",
      owner(
        xml(
          "affiliations",
          { node: "wilma@localhost" },
          xml("affiliation", { jid: "watcher@localhost", affiliation: "member" }),
        ),
      ),
    );
    expect(await itemsOf(viewer, "wilma@localhost")).toHaveLength(1);
    expect((await viewer.iqError("set", publishEl(geoloc({ lat: 4, lon: 4 }), "wilma@localhost"))).condition).toBe(
      "forbidden",
    );
    expect(
      (await viewer.iqError("set", pubsub(xml("retract", { node: "wilma@localhost" }, xml("item", { id: "w1" })))))
        .condition,
    ).toBe("forbidden");
    expect((await viewer.iqError("set", owner(xml("delete", { node: "wilma@localhost" })))).condition).toBe(
      "forbidden",
    );
    expect(await itemsOf(viewer, "wilma@localhost")).toHaveLength(1);
  });

  it("ships a deployment example with no component secret: Prosody reads it from GEO_SECRET", () => {
    const file = join(ROOT, "prosody/deploy.cfg.lua");
    const text = readFileSync(file, "utf8");
    const code = text
      .split("\n")
      .filter((l) => !l.trim().startsWith("--"))
      .join("\n");
    expect(code).not.toMatch(/component_secret\s*=\s*["'[]/); // no string literal, however quoted
    // Prosody's own config loader, as the server would read the file
    if (!existsSync("/usr/lib/prosody/core/configmanager.lua"))
      throw new Error(`Prosody is not installed. Install it with: ${PROSODY_INSTALL}`);
    const lua = `package.path="/usr/lib/prosody/?.lua;"..package.path
      package.cpath="/usr/lib/prosody/?.so;"..package.cpath
      local cm = require "core.configmanager"; assert(cm.load(${JSON.stringify(file)}))
      print(tostring(cm.get("geo.example.org", "component_secret")))`;
    const read = (env: Record<string, string>) => {
      const { GEO_SECRET: _, ...rest } = process.env;
      const r = spawnSync("lua5.4", ["-e", lua], { env: { ...rest, ...env }, encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      return r.stdout.trim();
    };
    expect(read({ GEO_SECRET: "from-the-environment" })).toBe("from-the-environment");
    expect(read({})).toBe("nil");
  });
});

describe("abuse limits", () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack({ settings: { rate: { perSecond: 1, burst: 3 }, maxPayloadBytes: 400 } });
  });
  afterAll(() => limited?.stop());

  it(
    "refuses a publisher over its rate with policy-violation type wait and the limit, " + "and changes nothing",
    async () => {
      const fast = await limited.user("speedy");
      const other = await limited.user("calm");
      for (let i = 0; i < 3; i++) await fast.iq("set", publishEl(geoloc({ lat: i, lon: i }), undefined, `f${i}`));
      const e = await fast.iqError("set", publishEl(geoloc({ lat: 9, lon: 9 }), undefined, "f3"));
      const [type, condition, text, ...rest] = errorOf(e.reply);
      expect([type, condition, rest]).toEqual(["wait", "policy-violation urn:ietf:params:xml:ns:xmpp-stanzas", []]);
      expect(text).toMatch(/^rate limit: at most 1 publishes per second \(burst 3\); retry in \d+ ms$/);
      expect((await itemsOf(fast, "speedy@localhost")).map((i) => i.attrs.id)).toEqual(["f0", "f1", "f2"]);
      await other.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }))); // the limit is per publisher
    },
  );

  it("refuses a payload over the configured cap with not-acceptable + payload-too-big and the sizes", async () => {
    const big = await limited.user("bigmouth");
    const payload = geoloc({ lat: 1, lon: 1, text: "x".repeat(400) });
    const e = await big.iqError("set", publishEl(payload));
    const bytes = Buffer.byteLength(payload.toString());
    expect(errorOf(e.reply)).toEqual([
      "modify",
      "not-acceptable urn:ietf:params:xml:ns:xmpp-stanzas",
      "payload-too-big http://jabber.org/protocol/pubsub#errors",
      `payload is ${bytes} bytes; the limit is 400`,
    ]);
    await big.iq("set", publishEl(geoloc({ lat: 1, lon: 1, text: "x".repeat(100) }))); // under the cap
  });
});

describe("erasure", () => {
  const scan = (marker: string) => {
    const files = [stack.dbFile, `${stack.dbFile}-wal`].filter(existsSync);
    return files.filter((f) => readFileSync(f).includes(Buffer.from(marker)));
  };

  for (const how of ["delete", "purge"] as const) {
    it(`${how}: the history is gone from the database file and its WAL`, async () => {
      const name = `eraser-${how}`;
      const marker = `erase-me-${how}-${Date.now()}`;
      const p = await stack.user(name);
      for (let i = 0; i < 5; i++) await p.iq("set", publishEl(geoloc({ lat: 50 + i, lon: 8, text: `${marker} ${i}` })));
      expect(scan(marker).length).toBeGreaterThan(0); // the scan finds what is there
      await p.iq("set", owner(xml(how, { node: `${name}@localhost` })));
      expect(scan(marker)).toEqual([]);
    });
  }
});

describe("coarse sharing", () => {
  const precise = {
    lat: "52.520008",
    lon: "13.404954",
    accuracy: "4",
    street: "Unter den Linden 77",
    speed: "1.5",
    bearing: "87",
    alt: "34",
    text: "desk by the window",
    timestamp: "2026-11-26T10:00:00Z",
  };

  it(
    "sends every viewer not on geo#exact the grid cell, " + "the same for each of them, and says so in meta-data",
    async () => {
      const c = await stack.user("cora");
      const other = await stack.viewer("otto");
      await other.iq("set", pubsub(xml("subscribe", { node: "locations", jid: other.jid })));
      await c.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "before"));
      await c.iq("set", owner(xml("configure", { node: "cora@localhost" }, configForm({ "geo#coarse_km": "5" }))));
      await c.iq("set", publishEl(geoloc(precise), undefined, "coarse"));
      const expected = coarsen(precise, 5);
      const seen = await Promise.all(
        [viewer, other].map((v) =>
          v.waitFor((s) => isEvent(s, "cora@localhost", (i) => i.attrs.id === "coarse"), "the coarse fix"),
        ),
      );
      const payloads = seen.map((s) =>
        s.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!.getChild("geoloc")!,
      );
      for (const g of payloads) {
        expect(Object.fromEntries(g.getChildElements().map((e) => [e.name, e.getText()]))).toEqual(expected);
      }
      expect(payloads[0].toString()).toBe(payloads[1].toString());
      expect(expected.lat).not.toBe(precise.lat);
      const items = await itemsOf(viewer, "cora@localhost");
      expect(
        items
          .find((i) => i.attrs.id === "coarse")!
          .getChild("geoloc")!
          .getChildText("lat"),
      ).toBe(expected.lat);
      // the exact fix is what is stored (issue 21): the owner reads it back whole; viewers only ever got the cell
      const own = await itemsOf(c, "cora@localhost");
      expect(
        Object.fromEntries(
          own
            .find((i) => i.attrs.id === "coarse")!
            .getChild("geoloc")!
            .getChildElements()
            .map((e) => [e.name, e.getText()]),
        ),
      ).toEqual(precise);
      const info = await viewer.iq(
        "get",
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node: "cora@localhost" }),
      );
      const meta = Object.fromEntries(
        info
          .getChild("query")!
          .getChild("x")!
          .getChildren("field")
          .map((f) => [f.attrs.var, f.getChildText("value")]),
      );
      expect(meta["geo#coarse_km"]).toBe("5");
    },
  );

  it("shows viewers the history from before it was turned on as grid cells, and refuses an unusable grid", async () => {
    const d = await stack.user("dina");
    await d.iq("set", publishEl(geoloc(precise), undefined, "old"));
    await d.iq("set", owner(xml("configure", { node: "dina@localhost" }, configForm({ "geo#coarse_km": "10" }))));
    const old = (await itemsOf(viewer, "dina@localhost"))[0].getChild("geoloc")!;
    expect(Object.fromEntries(old.getChildElements().map((e) => [e.name, e.getText()]))).toEqual(coarsen(precise, 10));
    // the exact history is kept for the owner (issue 21)
    expect(
      Object.fromEntries(
        (await itemsOf(d, "dina@localhost"))[0]
          .getChild("geoloc")!
          .getChildElements()
          .map((e) => [e.name, e.getText()]),
      ),
    ).toEqual(precise);
    for (const bad of ["-1", "0.01", "abc", "100000"]) {
      const e = await d.iqError(
        "set",
        owner(xml("configure", { node: "dina@localhost" }, configForm({ "geo#coarse_km": bad }))),
      );
      expect(e.condition, bad).toBe("not-acceptable");
    }
    const form = await d.iq("get", owner(xml("configure", { node: "dina@localhost" })));
    expect(form.toString()).toContain('var="geo#coarse_km"');
  });
});
