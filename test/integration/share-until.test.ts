// Sharing that ends by itself (geo#share_until): at the deadline viewers are told as if the publisher stopped
// sharing (XEP-0080 §4.1), the marker goes, and only the owner still gets the items; it holds across a restart,
// for SQLite and PostgreSQL. Real Prosody, real component, real stores.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../component/src/core/store.ts";
import { openPostgresStore } from "../../component/src/store/postgres.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { geoloc, isEvent, NS_EVENT, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startPostgres, type Postgres } from "../support/postgres.ts";
import { startStack, type Stack } from "../support/stack.ts";

const configure = (c: TestClient, fields: Record<string, string>) =>
  c.iq(
    "set",
    owner(
      xml(
        "configure",
        { node: c.bare },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
        ),
      ),
    ),
  );
const ids = async (c: TestClient, node: string) =>
  (await c.iq("get", pubsub(xml("items", { node }))))
    .getChild("pubsub")!
    .getChild("items")!
    .getChildren("item")
    .map((i) => `${i.attrs.publisher}:${i.attrs.id}`);
const formValue = async (c: TestClient, v: string) =>
  (await c.iq("get", owner(xml("configure", { node: c.bare }))))
    .getChild("pubsub")!
    .getChild("configure")!
    .getChild("x")!
    .getChildren("field")
    .find((f) => f.attrs.var === v)
    ?.getChildText("value");
const isStop = (node: string) => (s: Element) =>
  isEvent(s, node, (i) => !!i.getChild("geoloc") && i.getChild("geoloc")!.getChildElements().length === 0);

describe("geo#share_until, live", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  it(
    "at the deadline tells the viewers with an empty geoloc, " +
      "then shows the items to the owner only, new fixes included",
    async () => {
      const sam = await stack.user("sam");
      const other = await stack.user("other");
      const v = await stack.viewer("vera");
      await sam.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "s1"));
      await other.iq("set", publishEl(geoloc({ lat: 2, lon: 2 }), undefined, "o1"));
      await v.iq("set", pubsub(xml("subscribe", { node: "locations", jid: v.jid })));
      // a malformed deadline is refused and changes nothing
      const bad = await sam.iqError(
        "set",
        owner(
          xml(
            "configure",
            { node: "sam@localhost" },
            xml(
              "x",
              { xmlns: "jabber:x:data", type: "submit" },
              xml("field", { var: "geo#share_until" }, xml("value", {}, "in an hour")),
            ),
          ),
        ),
      );
      expect(bad.condition).toBe("bad-request");
      expect(await formValue(sam, "geo#share_until")).toBe("");
      const until = new Date(Date.now() + 1500).toISOString();
      await configure(sam, { "geo#share_until": until });
      expect(await formValue(sam, "geo#share_until")).toBe(until);
      expect(await ids(v, "sam@localhost")).toEqual(["sam@localhost:s1"]);
      const stop = await v.waitFor(isStop("sam@localhost"), "the stop at the deadline");
      expect(stop.getChild("event", NS_EVENT)!.getChild("items")!.getChild("item")!.attrs.publisher).toBe(
        "sam@localhost",
      );
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));
      expect(await ids(v, "sam@localhost")).toEqual([]);
      expect(await ids(v, "locations")).toEqual(["other@localhost:o1"]);
      expect(await ids(sam, "sam@localhost")).toEqual(["sam@localhost:s1"]);
      // a fix after the deadline reaches nobody but the owner: the viewer gets other's later fix and not sam's
      await sam.iq("set", publishEl(geoloc({ lat: 3, lon: 3 }), undefined, "s2"));
      await other.iq("set", publishEl(geoloc({ lat: 4, lon: 4 }), undefined, "o2"));
      await v.waitFor((s) => isEvent(s, "other@localhost", (i) => i.attrs.id === "o2"), "other's later fix");
      expect(v.received.filter((s) => isEvent(s, "sam@localhost", (i) => i.attrs.id === "s2"))).toEqual([]);
      expect(await ids(sam, "sam@localhost")).toEqual(["sam@localhost:s1", "sam@localhost:s2"]);
      // cleared: sharing resumes with the next fix
      await configure(sam, { "geo#share_until": "" });
      expect(await ids(v, "sam@localhost")).toEqual(["sam@localhost:s1", "sam@localhost:s2"]);
      await sam.iq("set", publishEl(geoloc({ lat: 5, lon: 5 }), undefined, "s3"));
      await v.waitFor(
        (s) => isEvent(s, "sam@localhost", (i) => i.attrs.id === "s3"),
        "sam's fix after clearing the deadline",
      );
    },
  );

  it("a deadline set in the past ends sharing at once", async () => {
    const pia = await stack.user("pia");
    const w = await stack.viewer("walt");
    await pia.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "p1"));
    await w.iq("set", pubsub(xml("subscribe", { node: "pia@localhost", jid: w.jid })));
    await configure(pia, { "geo#share_until": "2020-01-01T00:00:00Z" });
    await w.waitFor(isStop("pia@localhost"), "the stop");
    expect(await ids(w, "pia@localhost")).toEqual([]);
  });
});

describe("geo#share_until across a restart", () => {
  let pgs: Postgres;
  beforeAll(async () => {
    pgs = await startPostgres();
  });
  afterAll(() => pgs?.stop());

  const stores: Array<[string, () => Promise<() => Promise<Store>>]> = [
    [
      "SQLite",
      async () => {
        const file = join(mkdtempSync(join(tmpdir(), "geo-until-")), "geo.sqlite");
        return async () => openSqliteStore(file);
      },
    ],
    [
      "PostgreSQL",
      async () => {
        const url = await pgs.createDatabase("until");
        return () => openPostgresStore(url);
      },
    ],
  ];
  for (const [name, make] of stores) {
    it(`${name}: a deadline that passed while the service was down takes effect at start`, async () => {
      const open = await make();
      const deadline = Date.now() + 3_600_000;
      const first = await startStack({ store: await open() });
      try {
        const ann = await first.user("ann");
        await ann.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "a1"));
        await configure(ann, { "geo#share_until": new Date(deadline).toISOString() });
        const v = await first.viewer("vic");
        expect(await ids(v, "ann@localhost")).toEqual(["ann@localhost:a1"]);
      } finally {
        await first.stop();
      }
      // started again an hour later (the service's clock): the stored deadline has passed
      const second = await startStack({ store: await open(), clock: () => deadline + 1000 });
      try {
        const v = await second.viewer("vic");
        const ann = await second.user("ann");
        expect(await ids(v, "ann@localhost")).toEqual([]);
        expect(await ids(v, "locations")).toEqual([]);
        expect(await ids(ann, "ann@localhost")).toEqual(["ann@localhost:a1"]);
        expect(await formValue(ann, "geo#share_until")).toBe(new Date(deadline).toISOString());
        await v.iq("set", pubsub(xml("subscribe", { node: "ann@localhost", jid: v.jid })));
        await ann.iq("set", publishEl(geoloc({ lat: 2, lon: 2 }), undefined, "a2"));
        await ann.iq("set", publishEl(geoloc({ lat: 3, lon: 3 }), undefined, "a3"));
        expect(await ids(ann, "ann@localhost")).toEqual(["ann@localhost:a1", "ann@localhost:a2", "ann@localhost:a3"]);
        expect(await ids(v, "ann@localhost")).toEqual([]); // and its answer comes after anything sent to v before it
        expect(v.received.filter((s) => isEvent(s, "ann@localhost"))).toEqual([]); // no replay, no live fix
      } finally {
        await second.stop();
      }
    });
  }
});
