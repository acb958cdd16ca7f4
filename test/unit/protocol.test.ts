import xml from "@xmpp/xml";
import type { Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { validateGeoloc } from "../../component/src/core/geoloc.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { DEFAULT_OPTIONS, optionsValues } from "../../component/src/core/sub-options.ts";
import { errorElement } from "../../component/src/protocol/errors.ts";
import { serialiseNotifications } from "../../component/src/protocol/events.ts";
import {
  CONFIG_FIELDS,
  formOf,
  nodeConfigForm,
  nodeMetaFields,
  readNodeConfig,
} from "../../component/src/protocol/node-config.ts";
import { geolocElement, geolocEntries, readGeoloc } from "../../component/src/protocol/geoloc.ts";
import { readPresencePayload, presencePayload } from "../../component/src/protocol/presence.ts";
import { readAction } from "../../component/src/protocol/requests.ts";
import { SUBSCRIPTION_OPTION_FIELDS, subscriptionOptionsForm } from "../../component/src/protocol/sub-options.ts";

describe("XML mapping", () => {
  it("round-trips the XEP-0080 §4 example through entries, validation and back", () => {
    const el = xml(
      "geoloc",
      { xmlns: "http://jabber.org/protocol/geoloc", "xml:lang": "en" },
      xml("accuracy", {}, "20"),
      xml("country", {}, "Italy"),
      xml("lat", {}, "45.44"),
      xml("locality", {}, "Venice"),
      xml("lon", {}, "12.33"),
      xml("timestamp", {}, "2004-02-19T21:12:00Z"),
    );
    const r = validateGeoloc(geolocEntries(el), Date.now(), el.attrs["xml:lang"]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(geolocElement(r.geoloc).toString()).toBe(el.toString());
      expect(readGeoloc(geolocElement(r.geoloc))).toEqual(r.geoloc);
    }
  });

  it("builds the XEP-0060 §7.1.2.3 notification: headline, publisher on the item", () => {
    const out = serialiseNotifications("geo.localhost", [
      {
        to: "bob@localhost/web",
        event: {
          kind: "item",
          node: "alice@localhost",
          item: {
            id: "ae890ac52d0df67ed7cfdf51b644e901",
            publisher: "alice@localhost",
            geoloc: { lat: "1", lon: "2" },
            published: 0,
          },
        },
      },
    ]);
    expect(out).toBe(
      "<message type='headline' from='geo.localhost' to='bob@localhost/web'>" +
        '<event xmlns="http://jabber.org/protocol/pubsub#event">' +
        '<items node="alice@localhost"><item id="ae890ac52d0df67ed7cfdf51b644e901" publisher="alice@localhost">' +
        '<geoloc xmlns="http://jabber.org/protocol/geoloc"><lat>1</lat><lon>2</lon></geoloc>' +
        "</item></items></event></message>",
    );
  });

  it("escapes recipient addresses", () => {
    const out = serialiseNotifications("geo.localhost", [
      { to: "a'b@localhost/x<y", event: { kind: "purge", node: "n" } },
    ]);
    expect(out).toContain("to='a&apos;b@localhost/x&lt;y'");
  });

  it(
    "maps error values to RFC 6120 types, " +
      "with <text/> before the XEP-0060 application condition (RFC 6120 §8.3.2)",
    () => {
      expect(
        errorElement({
          condition: "bad-request",
          pubsub: "invalid-payload",
          text: "lat: not a decimal number",
        }).toString(),
      ).toBe(
        '<error type="modify"><bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
          '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas" xml:lang="en">lat: not a decimal number</text>' +
          '<invalid-payload xmlns="http://jabber.org/protocol/pubsub#errors"/></error>',
      );
      expect(errorElement({ condition: "forbidden" }).attrs.type).toBe("auth");
    },
  );

  it("round-trips a presence item payload", () => {
    const p = { jid: "alice@localhost", online: false, since: Date.parse("2026-11-26T10:05:00Z") };
    expect(readPresencePayload(presencePayload(p))).toEqual({ ...p, show: undefined });
    expect(presencePayload(p).toString()).toContain('type="unavailable"');
  });

  it("reads a publish and refuses a pubsub element with two actions", () => {
    const one = readAction(
      xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }, xml("publish", { node: "n" })),
      "set",
    );
    expect(one.ok && one.value.key).toBe("set_publish");
    const two = readAction(
      xml(
        "pubsub",
        { xmlns: "http://jabber.org/protocol/pubsub" },
        xml("publish", { node: "n" }),
        xml("retract", { node: "n" }),
      ),
      "set",
    );
    expect(two.ok).toBe(false);
  });
});

describe("the node configuration table (XEP-0060 §8.2, §5.4, §7.1.5)", () => {
  const config = {
    ...DEFAULT_SETTINGS.defaults,
    coarseKm: 5,
    exact: ["bob@localhost"],
    shareUntil: Date.UTC(2026, 11, 2, 18),
  };
  const fields = (x: Element): Array<[string, string[]]> =>
    x.getChildren("field").map((f) => [f.attrs.var as string, f.getChildren("value").map((v) => v.getText())]);

  it("lists every field of the table in the form, with its type and current value", () => {
    const form = nodeConfigForm(config);
    expect(fields(form).map(([v]) => v)).toEqual(["FORM_TYPE", ...CONFIG_FIELDS.map((f) => f.var)]);
    const byVar: Record<string, Element> = Object.fromEntries(form.getChildren("field").map((f) => [f.attrs.var, f]));
    for (const f of CONFIG_FIELDS) expect(byVar[f.var].attrs.type, f.var).toBe(f.type);
    expect(byVar["geo#exact"].getChildren("value").map((v) => v.getText())).toEqual(["bob@localhost"]);
    expect(byVar["geo#share_until"].getChildText("value")).toBe("2026-12-02T18:00:00.000Z");
  });

  it("shows the meta-data fields with the form's values, never the owner's geo#exact or geo#share_until", () => {
    const meta = nodeMetaFields(config);
    expect(meta.map((f) => f.var)).toEqual([
      "pubsub#access_model",
      "pubsub#itemreply",
      "pubsub#max_items",
      "pubsub#title",
      "geo#coarse_km",
    ]);
    const form = Object.fromEntries(fields(nodeConfigForm(config)));
    for (const f of meta) expect([f.value].flat(), f.var).toEqual(form[f.var]);
  });

  it(
    "reads a form field by field, refusing an unknown field, " + "a repeated one and a value over the settings' limit",
    () => {
      const read = formOf({
        "pubsub#access_model": "whitelist",
        "pubsub#itemreply": "publisher",
        "geo#exact": ["b@localhost", "a@localhost", "b@localhost"],
      });
      expect(read).toEqual({
        ok: true,
        value: [
          { var: "pubsub#access_model", change: { accessModel: "whitelist" } },
          { var: "pubsub#itemreply", change: {} },
          { var: "geo#exact", change: { exact: ["a@localhost", "b@localhost"] } },
        ],
      });
      const unknown = formOf({ "pubsub#deliver_payloads": "1" });
      expect(!unknown.ok && unknown.error.condition).toBe("not-acceptable");
      const twice = readNodeConfig(
        {
          fields: [
            { var: "pubsub#title", values: ["a"] },
            { var: "pubsub#title", values: ["b"] },
          ],
        },
        { maxItemsLimit: 10 },
      );
      expect(!twice.ok && twice.error.condition).toBe("bad-request");
      const over = formOf({ "pubsub#max_items": "11" }, { maxItemsLimit: 10 });
      expect(!over.ok && over.error).toMatchObject({
        condition: "not-acceptable",
        pubsub: "max-items-exceeded",
        text: "pubsub#max_items must be 1-10",
      });
      expect(formOf({ "pubsub#max_items": "max" }, { maxItemsLimit: 10 })).toEqual({
        ok: true,
        value: [{ var: "pubsub#max_items", change: { maxItems: 10 } }],
      });
    },
  );
});

describe("the subscription options form (XEP-0060 §6.3.2)", () => {
  it("lists exactly the options the core reads and shows, with their current values", () => {
    const options = { ...DEFAULT_OPTIONS, digest: true, area: { south: 1, west: 2, north: 3, east: 4 } };
    const form = subscriptionOptionsForm(options);
    const shown = Object.fromEntries(
      form
        .getChildren("field")
        .filter((f) => f.attrs.var !== "FORM_TYPE")
        .map((f) => [f.attrs.var, f.getChildText("value")]),
    );
    expect(shown).toEqual(optionsValues(options));
    expect(SUBSCRIPTION_OPTION_FIELDS.map((f) => f.var)).toEqual(Object.keys(optionsValues(DEFAULT_OPTIONS)));
  });
});
