// A client library nobody here wrote: slixmpp 1.8.3 (Debian's python3-slixmpp) against the real Prosody and the
// real component. Every value checked is what slixmpp's own plugins and stanza classes make of the service's
// stanzas (test/support/slixmpp/report.py); one driver process serves the whole file (test/support/slixmpp.ts).
import { xml } from "@xmpp/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_FEATURES } from "../../component/src/protocol/disco.ts";
import { geoloc, NS_EVENT, NS_GEOLOC, publishEl } from "../support/client.ts";
import { ERROR_CASES, ERROR_STACK } from "../support/error-cases.ts";
import { startSlixmpp, type Slixmpp, type SlixmppEvent, type SlixmppItem } from "../support/slixmpp.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let sx: Slixmpp;
let service: string;
const META = "http://jabber.org/protocol/pubsub#meta-data";
// non-ASCII in several scripts and planes: what a user types in a "where I am" note
const NOTE = "Café Müller – Straße 7, 東京 🚲";

/** Registers `name@localhost` and logs it in with slixmpp as client `name`. */
async function login(name: string): Promise<string> {
  stack.prosody.register(name, "pw");
  const r = await sx.call<{ jid: string }>("connect", {
    client: name,
    jid: `${name}@localhost/sx`,
    password: "pw",
    host: "127.0.0.1",
    port: stack.prosody.c2sPort,
  });
  return r.jid;
}

/** slixmpp user sxpub's one fix (published once, by the first test that needs it) and the service's answer. */
let published: Promise<{ fix: Record<string, string | number>; ack: unknown }> | undefined;
function sxpubPublished() {
  return (published ??= (async () => {
    await login("sxpub");
    const fix = {
      lat: 52.52,
      lon: 13.405,
      accuracy: 12,
      text: NOTE,
      timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    };
    return {
      fix,
      ack: await sx.call("publish", { client: "sxpub", to: service, node: NS_GEOLOC, id: "here-1", geoloc: fix }),
    };
  })());
}

const itemsOf =
  (node: string, pred: (i: SlixmppItem) => boolean = () => true) =>
  (e: SlixmppEvent) =>
    e.client === "viewer" && e.node === node && e.items.some(pred);
const hasId = (id: string) => (i: SlixmppItem) => "id" in i && i.id === id;

beforeAll(async () => {
  sx = await startSlixmpp(); // first: no slixmpp, no Prosody left behind
  stack = await startStack(ERROR_STACK);
  service = stack.componentJid;
  // a map-like viewer: directed presence (its full-JID subscriptions are temporary), then locations and presence
  await login("viewer");
  await sx.call("presence", { client: "viewer", to: service });
  for (const node of ["locations", "presence"])
    expect(await sx.call("subscribe", { client: "viewer", to: service, node })).toEqual({ subscription: "subscribed" });
});
afterAll(async () => {
  await sx?.stop();
  await stack?.stop();
});

describe("slixmpp as a viewer and a publisher", () => {
  it("reads the service's disco#info: identity pubsub/service and every feature", async () => {
    const info = await sx.call<{ identities: string[][]; features: string[] }>("disco_info", {
      client: "viewer",
      to: service,
    });
    expect(info.identities).toEqual([["pubsub", "service", "Geolocation presence"]]);
    expect(info.features).toEqual([...SERVICE_FEATURES].sort());
  });

  it("publishes with its XEP-0060/XEP-0080 plugins, acknowledged, and reads the locations event exactly", async () => {
    const { fix, ack } = await sxpubPublished();
    expect(ack).toEqual({ node: "sxpub@localhost", id: "here-1" }); // XEP-0060 §7.1.2: the node and the item id
    const ev = await sx.waitEvent(itemsOf("sxpub@localhost", hasId("here-1")), "sxpub's fix on locations");
    expect(ev).toMatchObject({ from: service, type: "headline", raised: 1 }); // slixmpp's own pubsub_publish event too
    expect(ev.items).toEqual([{ id: "here-1", publisher: "sxpub@localhost", geoloc: { ...fix, empty: false } }]);
  });

  it("reads a node's disco#info: leaf or collection, pubsub#itemreply = publisher", async () => {
    await sxpubPublished();
    const node = await sx.call<{ identities: string[][]; forms: Record<string, Record<string, string>> }>(
      "disco_info",
      { client: "viewer", to: service, node: "sxpub@localhost" },
    );
    expect(node.identities).toEqual([["pubsub", "leaf", null]]); // no name
    expect(node.forms[META]).toMatchObject({
      "pubsub#owner": "sxpub@localhost",
      "pubsub#itemreply": "publisher",
      "pubsub#type": NS_GEOLOC,
    });
    const locations = await sx.call<typeof node>("disco_info", { client: "viewer", to: service, node: "locations" });
    expect(locations.identities).toEqual([["pubsub", "collection", null]]);
    expect(locations.forms[META]).toMatchObject({ "pubsub#node_type": "collection", "pubsub#itemreply": "publisher" });
  });

  it("gets items of a personal node and of locations with publisher on every item", async () => {
    const other = await stack.user("jspub"); // a second publisher, on xmpp.js
    await other.iq("set", publishEl(geoloc({ lat: 48.85, lon: 2.35 }), undefined, "there-1"));
    await sxpubPublished();
    const own = await sx.call<SlixmppItem[]>("items", { client: "viewer", to: service, node: "sxpub@localhost" });
    expect(own).toEqual([
      expect.objectContaining({
        id: "here-1",
        publisher: "sxpub@localhost",
        geoloc: expect.objectContaining({ text: NOTE }),
      }),
    ]);
    const all = await sx.call<Array<{ id: string; publisher: string | null }>>("items", {
      client: "viewer",
      to: service,
      node: "locations",
    });
    expect(all.map((i) => [i.id, i.publisher])).toEqual(
      expect.arrayContaining([
        ["here-1", "sxpub@localhost"],
        ["there-1", "jspub@localhost"],
      ]),
    );
    for (const i of all) expect(i.publisher).toMatch(/^[^@/]+@localhost$/); // every item, of whichever publisher
  });

  it(
    "shows a user who only publishes to its own PEP node with slixmpp, " + "and its disconnect as unavailable",
    async () => {
      await login("sxpep");
      // the user adds the service as a contact (subscribe) and shares presence back: slixmpp approves the service's
      // own request by itself (auto_authorize), as most clients do when they asked first
      await sx.call("presence", { client: "sxpep" });
      await sx.call("presence", { client: "sxpep", to: service, type: "subscribe" });
      expect(
        await sx.call("pep_publish", {
          client: "sxpep",
          id: "pep-1",
          geoloc: { lat: 40.4168, lon: -3.7038, text: NOTE },
        }),
      ).toEqual({ id: "pep-1" });
      const ev = await sx.waitEvent(itemsOf("sxpep@localhost", hasId("pep-1")), "sxpep's PEP fix on locations");
      expect(ev.items).toEqual([
        {
          id: "pep-1",
          publisher: "sxpep@localhost",
          geoloc: expect.objectContaining({ lat: 40.4168, lon: -3.7038, text: NOTE }),
        },
      ]);
      const presence = (type: string) =>
        itemsOf("presence", (i) => "id" in i && i.id === "sxpep@localhost" && i.presence === type);
      await sx.waitEvent(presence("available"), "sxpep available on presence");
      await sx.call("disconnect", { client: "sxpep" });
      const gone = await sx.waitEvent(presence("unavailable"), "sxpep unavailable on presence");
      expect(gone.items).toEqual([
        { id: "sxpep@localhost", publisher: "sxpep@localhost", presence: "unavailable", from: "sxpep@localhost" },
      ]);
    },
  );
});

describe("multi-item events", () => {
  it("reads every <item/> of one <items/> (a crafted event from the service's JID)", async () => {
    const item = (id: string, lat: number) =>
      xml("item", { id, publisher: "crafted@localhost" }, geoloc({ lat, lon: 1, text: `${NOTE} ${id}` }));
    await stack.entity.send(
      xml(
        "message",
        { type: "headline", from: service, to: `viewer@localhost/sx` },
        xml(
          "event",
          { xmlns: NS_EVENT },
          xml(
            "items",
            { node: "crafted@localhost" },
            item("c1", 1),
            item("c2", 2),
            xml("retract", { id: "c0" }),
            item("c3", 3),
          ),
        ),
      ),
    );
    const ev = await sx.waitEvent(itemsOf("crafted@localhost"), "the crafted event");
    expect(
      ev.items.map((i) =>
        "retract" in i ? `-${i.retract}` : `${i.id} ${i.publisher} ${i.geoloc?.lat} ${i.geoloc?.text}`,
      ),
    ).toEqual([
      `c1 crafted@localhost 1 ${NOTE} c1`,
      `c2 crafted@localhost 2 ${NOTE} c2`,
      "-c0",
      `c3 crafted@localhost 3 ${NOTE} c3`,
    ]);
    expect(sx.events.filter(itemsOf("crafted@localhost"))).toHaveLength(1); // one message, reported once
    // slixmpp 1.8.3's xep_0060 plugin fails on it (KeyError on the message's xml:lang, which Prosody always sets) and
    // raises no pubsub_publish: an application on that event API loses every multi-item notification. When this
    // fails, slixmpp was fixed: expect one event per item then (driver.py).
    expect(ev.raised).toBe(0);
  });

  // Needs notification batching (issue 19 §1: a viewer's notifications from one node in one event-loop turn leave as
  // one message). Until that lands every publish arrives as its own message and this fails.
  it("gets a burst of publishes handled in one turn as one message with every item, in order", async () => {
    const burst = await stack.user("burster");
    const ids = ["b1", "b2", "b3"]; // the rate limit's burst (ERROR_STACK): all are accepted
    // one socket write: Prosody reads them together and hands them to the component together
    const iqs = ids.map((id, i) =>
      xml(
        "iq",
        { type: "set", to: service, id },
        publishEl(geoloc({ lat: 10 + i, lon: 20 }), undefined, id),
      ).toString(),
    );
    await (burst.xmpp as unknown as { write(s: string): Promise<void> }).write(iqs.join(""));
    for (const id of ids)
      await burst.waitFor((s) => s.is("iq") && s.attrs.id === id && s.attrs.type === "result", `the ack of ${id}`);
    await sx.waitEvent(itemsOf("burster@localhost", hasId("b3")), "the burst's last item");
    const events = sx.events.filter(itemsOf("burster@localhost"));
    expect(events.map((e) => e.items.map((i) => ("id" in i ? i.id : "")))).toEqual([ids]);
  });
});

describe("errors as slixmpp reports them", () => {
  // slixmpp 1.8.3 reads conditions against fixed lists that predate two the service sends: RFC 6120's
  // policy-violation (§8.3.3.12; RFC 3920 had none) and XEP-0060's precondition-not-met (§7.1.5). It reports ""
  // for those; everything else (type, text, the other conditions) it reads as the service meant it.
  const UNKNOWN_TO_SLIXMPP = new Set(["policy-violation", "precondition-not-met"]);
  const known = (condition?: string) => (condition === undefined || UNKNOWN_TO_SLIXMPP.has(condition) ? "" : condition);

  ERROR_CASES.forEach((c, i) => {
    it(`refuses ${c.what}`, async () => {
      const name = `sxrefused${i}`;
      const full = await login(name);
      const me = { bare: `${name}@localhost`, full };
      for (const b of c.before?.(me) ?? [])
        await sx.call("iq", { client: name, to: service, type: b.iq, xml: b.child.toString() });
      const r = c.request(me);
      const release = c.fault?.(stack.dbFile);
      let got;
      try {
        got =
          "iq" in r
            ? await sx.callError("iq", { client: name, to: service, type: r.iq, xml: r.child.toString() })
            : (
                await sx.call<{ error: unknown }>("message_error", {
                  client: name,
                  to: service,
                  xml: r.message.toString(),
                })
              ).error;
      } finally {
        release?.();
      }
      expect(got).toEqual({
        type: c.expect.type,
        condition: known(c.expect.condition),
        text: typeof c.expect.text === "string" ? c.expect.text : expect.stringMatching(c.expect.text),
        app: known(c.expect.app),
        feature: c.expect.feature ?? "",
      });
      await sx.call("disconnect", { client: name });
    });
  });
});
