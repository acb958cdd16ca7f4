// Who is watching (issue 21 §3): the owner's XEP-0050 report of who may see them, who is subscribed now and who
// fetched their items in the last 24 h; revoking a viewer ends its subscriptions at once and tells it; the report and
// its read log go with the node. Real Prosody, real component.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geoloc, isEvent, NS_EVENT, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const NS_COMMANDS = "http://jabber.org/protocol/commands";
let stack: Stack;
let wanda: TestClient, mia: TestClient, ned: TestClient, pat: TestClient, eve: TestClient;

const execute = async (c: TestClient) =>
  (await c.iq("set", xml("command", { xmlns: NS_COMMANDS, node: "who-sees-me", action: "execute" }))).getChild(
    "command",
    NS_COMMANDS,
  )!;
const report = (cmd: Element) => {
  const x = cmd.getChild("x", "jabber:x:data")!;
  const fields = Object.fromEntries(
    x.getChildren("field").map((f) => [f.attrs.var, f.getChildren("value").map((v) => v.getText())]),
  );
  const rows = x
    .getChildren("item")
    .map((i) => Object.fromEntries(i.getChildren("field").map((f) => [f.attrs.var, f.getChildText("value")])));
  return { fields, rows, instructions: x.getChildText("instructions") };
};
const setAffiliation = (jid: string, affiliation: string) =>
  wanda.iq("set", owner(xml("affiliations", { node: "wanda@localhost" }, xml("affiliation", { jid, affiliation }))));

beforeAll(async () => {
  stack = await startStack();
  wanda = await stack.user("wanda");
  [mia, ned, pat, eve] = await Promise.all(["mia", "ned", "pat", "eve"].map((n) => stack.viewer(n)));
  await wanda.iq("set", publishEl(geoloc({ lat: 47.37, lon: 8.54, street: "Bahnhofstrasse 1" }), undefined, "w1"));
  await wanda.iq(
    "set",
    owner(
      xml(
        "configure",
        { node: "wanda@localhost" },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "pubsub#access_model" }, xml("value", {}, "authorize")),
          xml("field", { var: "geo#coarse_km" }, xml("value", {}, "5")),
          xml("field", { var: "geo#exact" }, xml("value", {}, "mia@localhost")),
        ),
      ),
    ),
  );
  await setAffiliation("mia@localhost", "member");
  await setAffiliation("ned@localhost", "member");
  await mia.iq("set", pubsub(xml("subscribe", { node: "wanda@localhost", jid: mia.jid })));
  await ned.iq("set", pubsub(xml("subscribe", { node: "locations", jid: ned.jid })));
  await ned.iq("set", pubsub(xml("subscribe", { node: "presence", jid: ned.jid })));
  await pat.iq("set", pubsub(xml("subscribe", { node: "wanda@localhost", jid: pat.jid }))); // pending
  for (let i = 0; i < 2; i++) await mia.iq("get", pubsub(xml("items", { node: "wanda@localhost" })));
  await ned.iq("get", pubsub(xml("items", { node: "locations" })));
  await eve.iq("get", pubsub(xml("items", { node: "locations" }))); // sees nothing of wanda: not a read of wanda
});
afterAll(() => stack?.stop());

describe("who can see me (XEP-0050 ad-hoc command)", () => {
  it("is offered in disco#items of the commands node, with its XEP-0050 §2.2 disco#info", async () => {
    const items = await wanda.iq(
      "get",
      xml("query", { xmlns: "http://jabber.org/protocol/disco#items", node: NS_COMMANDS }),
    );
    expect(
      items
        .getChild("query")!
        .getChildren("item")
        .map((i) => i.attrs.node),
    ).toEqual(["who-sees-me"]);
    const info = await wanda.iq(
      "get",
      xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node: "who-sees-me" }),
    );
    expect(info.getChild("query")!.getChild("identity")!.attrs).toMatchObject({
      category: "automation",
      type: "command-node",
    });
  });

  it(
    "tells the owner who may see them, " + "who is subscribed now (how precisely, temporary or not) and who looked",
    async () => {
      const cmd = await execute(wanda);
      expect(cmd.attrs.status).toBe("completed");
      const { fields, rows } = report(cmd);
      expect(fields["pubsub#access_model"]).toEqual(["authorize"]);
      expect(fields.members).toEqual(["mia@localhost", "ned@localhost"]);
      expect(fields.pending).toEqual([pat.jid]);
      expect(fields["geo#exact"]).toEqual(["mia@localhost"]);
      const subs = rows
        .filter((r) => r.what !== "fetched your items")
        .map((r) => [r.jid, r.what, r.precision, r.temporary]);
      expect(subs).toEqual([
        [mia.jid, "subscribed to your node", "exact", "true"],
        [ned.jid, "subscribed to locations", "coarse", "true"],
        [ned.jid, "subscribed to presence", "coarse", "true"],
      ]);
      const reads = rows.filter((r) => r.what === "fetched your items").map((r) => [r.jid, r.count]);
      expect(reads).toEqual([
        ["ned@localhost", "1"],
        ["mia@localhost", "2"],
      ]); // latest first; eve saw nothing of wanda
      for (const r of rows.filter((r) => r.what === "fetched your items"))
        expect(Date.now() - Date.parse(r.when!)).toBeLessThan(60_000);
    },
  );

  it(
    "reports only on the requester's own node: " +
      "another user learns nothing about the owner, not even that it exists",
    async () => {
      const a = report(await execute(eve));
      const b = report(await execute(await stack.viewer("nobody")));
      expect(a).toEqual(b);
      expect(a.instructions).toContain("no location node");
      expect(JSON.stringify(a)).not.toContain("wanda");
      const other = await eve.iqError(
        "set",
        xml("command", { xmlns: NS_COMMANDS, node: "wanda@localhost", action: "execute" }),
      );
      expect(other.condition).toBe("item-not-found");
    },
  );
});

describe("revoking a viewer", () => {
  let control: TestClient; // a member who watches wanda through locations
  it(
    "ends its subscriptions at once and tells it; " + "taking it off the exact list only lowers its precision",
    async () => {
      await wanda.iq(
        "set",
        owner(
          xml(
            "configure",
            { node: "wanda@localhost" },
            xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "geo#exact" })),
          ),
        ),
      );
      // still subscribed
      expect(report(await execute(wanda)).rows.find((r) => r.jid === mia.jid)!.precision).toBe("coarse");
      await setAffiliation("mia@localhost", "none");
      // XEP-0060 §8.8.4: the subscriber is told its subscription is none
      await mia.waitFor(
        (s) => s.getChild("pubsub")?.getChild("subscription")?.attrs.subscription === "none",
        "subscription none",
      );
      await setAffiliation("ned@localhost", "outcast");
      // through locations and presence: as if wanda stopped sharing and left presence
      await ned.waitFor(
        (s) => isEvent(s, "wanda@localhost", (i) => i.getChild("geoloc")!.getChildElements().length === 0),
        "the empty geoloc",
      );
      const { rows } = report(await execute(wanda));
      expect(rows.filter((r) => r.what !== "fetched your items")).toEqual([]);
      await wanda.iq("set", publishEl(geoloc({ lat: 47.38, lon: 8.55 }), undefined, "w2"));
      control = await stack.viewer("control");
      await setAffiliation("control@localhost", "member");
      await control.iq("set", pubsub(xml("subscribe", { node: "locations", jid: control.jid })));
      await wanda.iq("set", publishEl(geoloc({ lat: 47.39, lon: 8.56 }), undefined, "w3"));
      await control.waitFor(
        (s) => isEvent(s, "wanda@localhost", (i) => i.attrs.id === "w3"),
        "the control viewer's w3",
      );
      for (const v of [mia, ned])
        expect(
          v.received.filter((s) => isEvent(s, "wanda@localhost", (i) => ["w2", "w3"].includes(i.attrs.id))),
        ).toEqual([]);
      await ned.waitFor(
        (s) =>
          s.getChild("event", NS_EVENT)?.getChild("items")?.attrs.node === "presence" &&
          s.getChild("event", NS_EVENT)!.getChild("items")!.getChild("retract")?.attrs.id === "wanda@localhost",
        "wanda leaving presence",
      );
    },
  );

  it(
    "erases the report with the node: " + "who may see, the exact list and the read log are gone, also from the disk",
    async () => {
      const scan = () =>
        [stack.dbFile, `${stack.dbFile}-wal`]
          .filter(existsSync)
          .filter((f) => readFileSync(f).includes(Buffer.from("control@localhost")));
      expect(scan().length).toBeGreaterThan(0); // control's membership is stored
      // control's own subscription to `locations` (kept on disk since temporary ones survive restarts) is control's
      // data, not wanda's: it leaves first, so that what the scan finds afterwards can only be wanda's
      await control.iq("set", pubsub(xml("unsubscribe", { node: "locations", jid: control.jid })));
      await wanda.iq("set", owner(xml("delete", { node: "wanda@localhost" })));
      expect(scan()).toEqual([]);
      expect(report(await execute(wanda)).instructions).toContain("no location node");
      expect(stack.service.core.readsOf("wanda@localhost")).toBeUndefined(); // the read log (memory only) too
    },
  );
});
