// Hostile input, property-based (fast-check, fixed seed): generated malformed and hostile stanzas go from a real
// client through Prosody to the component running as its own process. For every case: exactly one reply to each
// IQ (a later ping's reply proves no second one is coming), never internal-server-error (that is an unexpected
// throw, i.e. a bug), the process stays up and logs no error, the state a client can read is unchanged after an
// error, and another user's node is never touched. A second property cuts non-ASCII publishes at random byte
// offsets between TCP writes (a scripted XEP-0114 server, as in utf8-split.test.ts) and checks they arrive intact.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GEOLOC_FIELD_NAMES } from "../../component/src/core/geoloc.ts";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { connectClient, NS_GEOLOC, NS_OWNER, NS_PUBSUB, publishEl, type TestClient } from "../support/client.ts";
import { startComponent, type ComponentProcess } from "../support/component-process.ts";
import { startScriptedPeer } from "../support/scripted-peer.ts";

const SEED = Number(process.env.GEO_FUZZ_SEED ?? 20261127);
const RUNS = Number(process.env.GEO_FUZZ_RUNS ?? 400);
const CAP = 8192; // GEO_MAX_PAYLOAD default
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const SERVICE = "geo.localhost";
const ME = "fuzz@localhost";
const VICTIM = "victim@localhost";

// ---- generators -------------------------------------------------------------------------------------------

/** Only characters XML 1.0 allows (and no CR, which parsers normalise): what a client can put on the wire. */
const xmlSafe = (s: string) => s.replace(/[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "?");
const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const text = (max: number) =>
  fc
    .oneof(
      fc.string({ maxLength: max }),
      fc.string({ unit: "grapheme", maxLength: Math.min(max, 200) }),
      fc.string({ unit: "binary", maxLength: Math.min(max, 200) }),
    )
    .map(xmlSafe);
const huge = fc
  .tuple(fc.constantFrom("x", "é", "€", "😀", "<&>'\""), fc.integer({ min: 1000, max: 20_000 }))
  .map(([c, n]) => c.repeat(n));

const jidLike = fc.oneof(
  fc.constantFrom(
    ME,
    `${ME}/fuzz`,
    `${ME}/other`,
    "FUZZ@LOCALHOST",
    VICTIM,
    `${VICTIM}/phone`,
    "ghost@localhost",
    "x@evil.example",
    "",
    "@",
    "a@",
    "@localhost",
    "a@b@c",
    "a b@localhost",
    "<script>@localhost",
    "été@localhost",
    "localhost",
    SERVICE,
    `${"a".repeat(1100)}@localhost`,
    "fuzz@localhost/" + "r".repeat(2000),
  ),
  text(60),
);
const nodeName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(ME, NS_GEOLOC, "locations", "presence", VICTIM, "FUZZ@localhost") },
  { weight: 2, arbitrary: jidLike },
);
const decimal = fc.oneof(
  fc.double().map(String), // NaN, Infinity, -0, 5e-324, 1.7976931348623157e+308...
  fc.constantFrom(
    "NaN",
    "Infinity",
    "-Infinity",
    "INF",
    "1e5",
    "0x1A",
    "",
    " ",
    "1,5",
    "١٢٣",
    "+",
    ".",
    "-.5",
    " 12.5 ",
    "00012.5000",
    "91",
    "-90.0000000001",
    "180.0000001",
    "360",
    "359.99999",
    "-0",
    "1".repeat(33),
    `0.${"0".repeat(40)}1`,
    "9".repeat(32),
  ),
  fc.integer({ min: -400, max: 400 }).map(String),
  fc.tuple(fc.integer({ min: -90, max: 90 }), fc.nat()).map(([a, b]) => `${a}.${b}`),
);
const datetime = fc.oneof(
  fc.constantFrom(
    "2026-11-26T10:00:00Z",
    "2026-02-31T10:00:00Z",
    "2026-11-26T25:00:00Z",
    "2099-01-01T00:00:00Z",
    "yesterday",
    "",
    "2026-11-26T10:00:00.123456789+14:00",
    "2026-11-26 10:00:00",
    "0000-01-01T00:00:00Z",
    "+275760-09-13T00:00:00Z",
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const fieldName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...GEOLOC_FIELD_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom("LAT", "foo", "geoloc", "script", "x:lat") },
);

// an element may appear under several parents: only its serialisation matters here
const copy = (el: Element): Element => el;

/** Deeply nested elements, `depth` levels. */
function deep(depth: number): Element {
  let el = xml("n", {}, "bottom");
  for (let i = 0; i < depth; i++) el = xml("n", {}, el);
  return el;
}

const field: fc.Arbitrary<Element> = fc
  .tuple(
    fieldName,
    fc.oneof(decimal, datetime, text(50), huge),
    fc.constantFrom("plain", "plain", "plain", "plain", "attr", "child", "ns", "deep"),
    fc.integer({ min: 1, max: 3000 }),
  )
  .map(([name, value, shape, depth]) => {
    const safeName = name.includes(":") ? "lat" : name;
    switch (shape) {
      case "attr":
        return xml(safeName, { unit: "m", evil: value }, value);
      case "child":
        return xml(safeName, {}, value, xml("extra", {}, value));
      case "ns":
        return xml(safeName, { xmlns: "urn:not:geoloc" }, value);
      case "deep":
        return xml(safeName, {}, deep(depth));
      default:
        return xml(safeName, {}, value);
    }
  });

const geolocEl: fc.Arbitrary<Element> = fc
  .tuple(
    fc.constantFrom("geoloc", "geoloc", "geoloc", "location", "x"),
    fc.constantFrom(NS_GEOLOC, NS_GEOLOC, NS_GEOLOC, "http://jabber.org/protocol/geoloc#x", "", "jabber:client"),
    fc.option(fc.constantFrom("en", "de-DE", "", "not a tag", "x".repeat(300)), { nil: undefined }),
    fc.array(field, { maxLength: 8 }),
    fc.boolean(),
  )
  .map(([name, ns, lang, fields, valid]) => {
    const base = valid ? [xml("lat", {}, "52.5"), xml("lon", {}, "13.4")] : [];
    return xml(name, lang === undefined ? { xmlns: ns } : { xmlns: ns, "xml:lang": lang }, ...base, ...fields);
  });

const itemEl = fc
  .tuple(
    fc.option(fc.oneof(fc.constantFrom("keep-1", "", "a".repeat(300)), text(20)), { nil: undefined }),
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: geolocEl },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map(deep) },
      ),
      { maxLength: 2 },
    ),
    fc.option(jidLike, { nil: undefined }),
  )
  .map(([id, payloads, publisher]) =>
    xml("item", { ...(id !== undefined && { id }), ...(publisher !== undefined && { publisher }) }, ...payloads),
  );

const form = (type: string, fields: Array<[string, string]>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, type)),
    ...fields.map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );
const configField = fc.oneof(
  fc.tuple(
    fc.constant("pubsub#access_model"),
    fc.oneof(fc.constantFrom("open", "whitelist", "authorize", "presence", "roster", ""), text(20)),
  ),
  fc.tuple(fc.constant("pubsub#max_items"), fc.oneof(decimal, fc.constantFrom("max", "0", "1", "1000", "1001", "-1"))),
  fc.tuple(fc.constant("pubsub#title"), fc.oneof(text(50), huge)),
  fc.tuple(fc.constant("geo#coarse_km"), fc.oneof(decimal, fc.constantFrom("0", "0.1", "5", "5000", "5000.1", ""))),
  fc.tuple(fc.constant("pubsub#itemreply"), fc.constantFrom("publisher", "owner", "")),
  fc.tuple(fc.constant("geo#exact"), jidLike),
  fc.tuple(fc.constant("geo#share_until"), fc.oneof(datetime, fc.constantFrom("", "2099-01-01T00:00:00Z"))),
  fc.tuple(
    fc.oneof(
      fc.constantFrom("pubsub#deliver_payloads", "pubsub#persist_items", "", "FORM_TYPE", "geo#exactly"),
      text(20),
    ),
    text(20),
  ),
);

/** A near-the-cap payload that is otherwise valid: mixed 1- to 4-byte characters spread over string fields. */
const sized = fc
  .tuple(
    fc.integer({ min: CAP - 48, max: CAP + 48 }),
    fc.constantFrom("a", "é", "€", "😀", "aé€😀", "日本語"),
    fc.string({ minLength: 1, maxLength: 8 }),
  )
  .map(([target, mix, tag]) => {
    const id = `sized-${xmlSafe(tag).replace(/[^a-z0-9]/gi, "")}${target}`;
    const el = xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "48.1"), xml("lon", {}, "11.5"));
    for (const f of [
      "text",
      "description",
      "street",
      "area",
      "building",
      "locality",
      "region",
      "room",
      "floor",
      "datum",
      "country",
      "postalcode",
    ]) {
      const room = target - bytes(el.toString()) - (2 * f.length + 5);
      if (room <= 0) break;
      let s = "";
      let b = 0;
      for (let i = 0; ; i++) {
        const ch = [...mix][i % [...mix].length];
        if (s.length + ch.length > 1000 || b + bytes(ch) > room) break;
        s += ch;
        b += bytes(ch);
      }
      while (b < room && s.length < 1024) {
        s += "a";
        b++;
      }
      el.append(xml(f, {}, s));
    }
    return { id, payload: el, bytes: bytes(el.toString()) };
  });

type Case =
  | {
      kind: "iq";
      type: "get" | "set";
      to: string;
      children: Element[];
      sized?: { id: string; payload: Element; bytes: number };
    }
  | { kind: "stanza"; el: Element };

const pubsubAction = fc.oneof(
  fc
    .tuple(
      nodeName,
      fc.array(itemEl, { maxLength: 3 }),
      fc.option(fc.array(configField, { maxLength: 3 }), { nil: undefined }),
    )
    .map(([node, items, opts]) =>
      xml(
        "pubsub",
        { xmlns: NS_PUBSUB },
        xml("publish", { node }, ...items),
        ...(opts ? [xml("publish-options", {}, form("http://jabber.org/protocol/pubsub#publish-options", opts))] : []),
      ),
    ),
  fc
    .tuple(fc.integer({ min: 20, max: 300 }), geolocEl)
    .map(([n, g]) =>
      xml(
        "pubsub",
        { xmlns: NS_PUBSUB },
        xml(
          "publish",
          { node: NS_GEOLOC },
          ...Array.from({ length: n }, (_, i) => xml("item", { id: `many-${i}` }, copy(g))),
        ),
      ),
    ),
  fc
    .tuple(
      nodeName,
      fc.option(fc.oneof(decimal, fc.constantFrom("0", "3", "99999999999999999999")), { nil: undefined }),
      fc.array(fc.option(text(20), { nil: undefined }), { maxLength: 3 }),
    )
    .map(([node, max, ids]) =>
      xml(
        "pubsub",
        { xmlns: NS_PUBSUB },
        xml(
          "items",
          { node, ...(max !== undefined && { max_items: max }) },
          ...ids.map((id) => xml("item", id === undefined ? {} : { id })),
        ),
      ),
    ),
  fc
    .tuple(fc.constantFrom("subscribe", "unsubscribe"), nodeName, fc.option(jidLike, { nil: undefined }))
    .map(([a, node, jid]) => xml("pubsub", { xmlns: NS_PUBSUB }, xml(a, { node, ...(jid !== undefined && { jid }) }))),
  fc
    .tuple(
      fc.constantFrom("subscriptions", "affiliations", "create", "options", "configure", "default", "bogus"),
      fc.option(nodeName, { nil: undefined }),
    )
    .map(([a, node]) => xml("pubsub", { xmlns: NS_PUBSUB }, xml(a, node === undefined ? {} : { node }))),
  fc
    .tuple(nodeName, fc.array(fc.oneof(fc.constant("keep-1"), text(20)), { maxLength: 3 }))
    .map(([node, ids]) =>
      xml("pubsub", { xmlns: NS_PUBSUB }, xml("retract", { node }, ...ids.map((id) => xml("item", { id })))),
    ),
  fc
    .array(fc.constantFrom("publish", "items", "subscribe", "retract"), { minLength: 2, maxLength: 3 })
    // duplicate actions
    .map((names) => xml("pubsub", { xmlns: NS_PUBSUB }, ...names.map((n) => xml(n, { node: ME })))),
);

const ownerAction = fc.oneof(
  fc
    .tuple(
      nodeName,
      fc.option(fc.array(configField, { maxLength: 4 }), { nil: undefined }),
      fc.constantFrom("http://jabber.org/protocol/pubsub#node_config", "urn:wrong"),
    )
    .map(([node, fields, type]) =>
      xml("pubsub", { xmlns: NS_OWNER }, xml("configure", { node }, ...(fields ? [form(type, fields)] : []))),
    ),
  fc
    .tuple(
      fc.constantFrom("delete", "purge", "subscriptions", "affiliations", "default", "bogus"),
      fc.option(nodeName, { nil: undefined }),
    )
    .map(([a, node]) => xml("pubsub", { xmlns: NS_OWNER }, xml(a, node === undefined ? {} : { node }))),
  fc
    .tuple(
      nodeName,
      fc.array(
        fc.tuple(
          jidLike,
          fc.oneof(fc.constantFrom("owner", "publisher", "member", "outcast", "none", "publish-only"), text(10)),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([node, changes]) =>
      xml(
        "pubsub",
        { xmlns: NS_OWNER },
        xml("affiliations", { node }, ...changes.map(([jid, affiliation]) => xml("affiliation", { jid, affiliation }))),
      ),
    ),
);

const otherQuery = fc.oneof(
  // XEP-0050: the owner's report, and anything else at the commands namespace
  fc
    .tuple(
      fc.constantFrom("who-sees-me", "who-sees-me", "bogus", "", ME, VICTIM),
      fc.option(fc.oneof(fc.constantFrom("execute", "cancel", "next", "complete", "prev"), text(10)), {
        nil: undefined,
      }),
    )
    .map(([node, action]) =>
      xml("command", { xmlns: "http://jabber.org/protocol/commands", node, ...(action !== undefined && { action }) }),
    ),
  fc
    .tuple(
      fc.constantFrom("http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items"),
      fc.option(nodeName, { nil: undefined }),
    )
    .map(([ns, node]) => xml("query", { xmlns: ns, ...(node !== undefined && { node }) })),
  fc.constantFrom(
    xml("ping", { xmlns: "urn:xmpp:ping" }),
    xml("query", { xmlns: "jabber:iq:version" }),
    xml("vCard", { xmlns: "vcard-temp" }),
    xml("query", { xmlns: "jabber:iq:last" }),
  ),
  fc
    .tuple(
      text(20),
      fc.oneof(fc.constantFrom(NS_PUBSUB, NS_OWNER, "http://jabber.org/protocol/pubsub#event", ""), text(30)),
    )
    .map(([name, ns]) =>
      xml(
        /^[A-Za-z_][\w.-]*$/.test(name) ? name : "pubsub",
        { xmlns: ns || "urn:empty" },
        xml("publish", { node: ME }),
      ),
    ),
);

const iqCase: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom("get", "set") as fc.Arbitrary<"get" | "set">,
    fc.constantFrom(SERVICE, SERVICE, SERVICE, `${SERVICE}/res`, `node@${SERVICE}`),
    fc.oneof(
      { weight: 5, arbitrary: pubsubAction },
      { weight: 3, arbitrary: ownerAction },
      { weight: 2, arbitrary: otherQuery },
    ),
    fc.constantFrom(1, 1, 1, 1, 1, 1, 0, 2),
  )
  .map(([type, to, child, n]) => ({
    kind: "iq",
    type,
    to,
    children: n === 0 ? [] : n === 1 ? [child] : [child, copy(child)],
  }));

const sizedCase: fc.Arbitrary<Case> = sized.map((s) => ({
  kind: "iq",
  type: "set",
  to: SERVICE,
  children: [publishEl(s.payload, NS_GEOLOC, s.id)],
  sized: s,
}));

const stanzaCase: fc.Arbitrary<Case> = fc
  .oneof(
    fc
      .tuple(
        fc.option(fc.constantFrom("unavailable", "probe", "subscribe", "error", "bogus", "subscribed"), {
          nil: undefined,
        }),
        fc.option(text(20), { nil: undefined }),
        fc.option(fc.oneof(decimal, fc.constantFrom("-129", "128", "99999999999")), { nil: undefined }),
      )
      .map(([type, show, priority]) =>
        xml(
          "presence",
          { to: SERVICE, ...(type && { type }) },
          ...(show !== undefined ? [xml("show", {}, show)] : []),
          ...(priority !== undefined ? [xml("priority", {}, priority)] : []),
        ),
      ),
    fc
      .tuple(fc.constantFrom("chat", "headline", "normal", "error", "groupchat"), text(100))
      .map(([type, body]) =>
        xml(
          "message",
          { to: SERVICE, type },
          xml("body", {}, body),
          xml("event", { xmlns: "http://jabber.org/protocol/pubsub#event" }, xml("items", { node: VICTIM })),
        ),
      ),
  )
  .map((el) => ({ kind: "stanza", el }));

// Prosody closes a c2s stream whose stanza exceeds c2s_stanza_size_limit (256 KiB): that is Prosody's defence, and
// it would end the fuzzing session, so cases stay below it (the component's own cap is tested at 8 KiB).
const MAX_STANZA = 200_000;
const caseBytes = (c: Case) => bytes(c.kind === "stanza" ? c.el.toString() : c.children.map(String).join(""));
const anyCase = fc
  .oneof({ weight: 12, arbitrary: iqCase }, { weight: 2, arbitrary: sizedCase }, { weight: 1, arbitrary: stanzaCase })
  .filter((c) => caseBytes(c) < MAX_STANZA);
const describeCase = (c: Case) => {
  const s =
    c.kind === "stanza" ? c.el.toString() : `<iq type='${c.type}' to='${c.to}'>${c.children.map(String).join("")}</iq>`;
  return s.length > 1500 ? `${s.slice(0, 1000)} …(${s.length} chars)… ${s.slice(-300)}` : s;
};

// ---- the stack ------------------------------------------------------------------------------------------------

let prosody: Prosody;
let comp: ComponentProcess;
let fuzz: TestClient;
let victim: TestClient;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "geo-fuzz-"));
  prosody = await startProsody({ dataDir });
  comp = startComponent(prosody, join(dataDir, "geo.sqlite"));
  await comp.connected(1);
  const connect = async (name: string, resource: string) => {
    prosody.register(name, "pw");
    return connectClient({
      service: prosody.c2sService,
      domain: prosody.domain,
      username: name,
      password: "pw",
      resource,
      pubsub: prosody.component,
    });
  };
  fuzz = await connect("fuzz", "fuzz");
  victim = await connect("victim", "phone");
  await victim.iq(
    "set",
    publishEl(xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "1"), xml("lon", {}, "2")), NS_GEOLOC, "v-1"),
  );
  await victim.iq("set", xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscribe", { node: "locations", jid: victim.jid })));
}, 60_000);

afterAll(async () => {
  await fuzz?.stop();
  await victim?.stop();
  await comp?.kill9();
  await prosody?.stop();
});

// ---- the property ---------------------------------------------------------------------------------------------

let n = 0;
/** Sends one IQ and resolves with its reply; rejects when none arrives in time or the session dies. */
async function exchange(
  c: TestClient,
  type: "get" | "set",
  to: string,
  children: Element[],
): Promise<{ id: string; reply: Element }> {
  const id = `f${++n}`;
  const reply = await new Promise<Element>((resolve, reject) => {
    const pending = (c as unknown as { pending: Map<string, (s: Element) => void> }).pending;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`no reply to ${id} within 10 s`));
    }, 10_000);
    pending.set(id, (s) => {
      clearTimeout(timer);
      resolve(s);
    });
    c.send(xml("iq", { type, to, id }, ...children)).catch(reject);
  });
  return { id, reply };
}

/** What the fuzzing user can read back: its own node, the victim's, its subscriptions, its node's config. */
async function snapshot(c: TestClient): Promise<string> {
  const q = async (type: "get" | "set", child: Element) => {
    const { reply } = await exchange(c, type, SERVICE, [child]);
    return reply.attrs.type === "error"
      ? `error:${reply.getChild("error")?.getChildElements()[0]?.name}`
      : (reply.getChildElements()[0]?.toString() ?? "");
  };
  return [
    await q("get", xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: ME }))),
    await q("get", xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscriptions"))),
    await q("get", xml("pubsub", { xmlns: NS_OWNER }, xml("configure", { node: ME }))),
    await q("get", xml("pubsub", { xmlns: NS_OWNER }, xml("affiliations", { node: ME }))),
    await q("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })),
  ].join("\n");
}

async function victimState(): Promise<string> {
  const { reply } = await exchange(victim, "get", SERVICE, [
    xml("pubsub", { xmlns: NS_OWNER }, xml("configure", { node: VICTIM })),
  ]);
  const items = await exchange(victim, "get", SERVICE, [
    xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: VICTIM })),
  ]);
  const subs = await exchange(victim, "get", SERVICE, [xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscriptions"))]);
  return [reply, items.reply, subs.reply].map((r) => r.toString().replace(/ id="[^"]*"/, "")).join("\n");
}

function condition(reply: Element): string | undefined {
  return reply
    .getChild("error")
    ?.getChildElements()
    .find((e) => e.attrs.xmlns === STANZAS && e.name !== "text")?.name;
}

describe("hostile input through Prosody", () => {
  it(
    `never crashes, ` +
      `answers every IQ exactly once and changes nothing on an error (${RUNS} generated cases, seed ${SEED})`,
    async () => {
      // a baseline the fuzz may legitimately change (and that is restored when it does)
      const baseline = async () => {
        await fuzz.iq(
          "set",
          publishEl(xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "3"), xml("lon", {}, "4")), NS_GEOLOC, "keep-1"),
        );
      };
      await baseline();
      const victimBefore = await victimState();
      let state = await snapshot(fuzz);
      const counts = { cases: 0, iqs: 0, results: 0, errors: 0, stanzas: 0, sizedAccepted: 0, sizedRefused: 0 };
      const conditions = new Map<string, number>();

      const run = await fc.check(
        fc.asyncProperty(anyCase, async (c) => {
          counts.cases++;
          const seenBefore = fuzz.received.length;
          let errored = false;
          let lastId: string | undefined;
          if (c.kind === "stanza") {
            counts.stanzas++;
            await fuzz.send(c.el);
          } else {
            counts.iqs++;
            const { id, reply } = await exchange(fuzz, c.type, c.to, c.children);
            lastId = id;
            expect(["result", "error"]).toContain(reply.attrs.type);
            if (reply.attrs.type === "error") {
              errored = true;
              counts.errors++;
              const cond = condition(reply);
              expect(cond, `an error without a defined condition: ${reply.toString().slice(0, 500)}`).toBeDefined();
              expect(
                cond,
                `an unexpected throw in the component: ${c.children.map(String).join("").slice(0, 500)}`,
              ).not.toBe("internal-server-error");
              conditions.set(cond!, (conditions.get(cond!) ?? 0) + 1);
            } else counts.results++;
            if (c.sized) {
              // XEP-0060 §7.1.3.4: the cap is on the payload's bytes; just under it passes whole, just over is refused
              if (c.sized.bytes <= CAP) {
                expect(reply.attrs.type, `a valid ${c.sized.bytes}-byte payload`).toBe("result");
                counts.sizedAccepted++;
                const back = await exchange(fuzz, "get", SERVICE, [
                  xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: ME }, xml("item", { id: c.sized.id }))),
                ]);
                const got = back.reply.getChild("pubsub")!.getChild("items")!.getChild("item")!.getChild("geoloc")!;
                for (const f of c.sized.payload.getChildElements()) expect(got.getChildText(f.name)).toBe(f.getText());
              } else {
                expect(condition(reply)).toBe("not-acceptable");
                expect(reply.getChild("error")!.getChild("payload-too-big", `${NS_PUBSUB}#errors`)).toBeDefined();
                counts.sizedRefused++;
              }
            }
          }
          // a ping after the case: its reply comes after any reply the case could still produce
          const ping = await exchange(fuzz, "get", SERVICE, [xml("ping", { xmlns: "urn:xmpp:ping" })]);
          expect(ping.reply.attrs.type).toBe("result");
          if (lastId)
            expect(fuzz.received.slice(seenBefore).filter((s) => s.is("iq") && s.attrs.id === lastId)).toEqual([]);
          expect(comp.alive(), comp.output().slice(-2000)).toBe(true);
          expect(comp.output()).not.toMatch(/ error: /);
          const now = await snapshot(fuzz);
          if (errored) expect(now).toBe(state);
          state = now;
          if (state.startsWith("error:") || !state.includes('id="keep-1"')) {
            await baseline();
            state = await snapshot(fuzz);
          }
          expect(await victimState()).toBe(victimBefore);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      if (run.failed) {
        // the counterexample can be megabytes of XML: print it cut down
        const failure = String(run.errorInstance).slice(0, 3000);
        throw new Error(
          `case ${run.numRuns} of seed ${SEED} failed: ${describeCase(run.counterexample![0])}\n${failure}`,
        );
      }

      console.log(
        `fuzz: ${counts.cases} cases (seed ${SEED}): ` +
          `${counts.iqs} IQs (${counts.results} results, ${counts.errors} errors: ` +
          `${[...conditions].map(([k, v]) => `${k} ${v}`).join(", ")}), ${counts.stanzas} presence/message stanzas; ` +
          `near-cap payloads: ${counts.sizedAccepted} accepted, ${counts.sizedRefused} refused`,
      );
      expect(counts.cases).toBe(RUNS);
    },
    300_000,
  );
});

// ---- UTF-8 cut anywhere between TCP writes -----------------------------------------------------------------

describe("non-ASCII split across TCP chunks", () => {
  it("stores every generated non-ASCII text exactly, wherever the stream is cut", async () => {
    const { socket: peer, service: svc, received, waitFor, close } = await startScriptedPeer(SERVICE);
    let runs = 0;
    try {
      const nonAscii = fc
        .string({ unit: "grapheme", minLength: 1, maxLength: 300 })
        .map((s) => xmlSafe(s).replace(/[<&>]/g, "·").trim())
        .filter((s) => /[^\x00-\x7f]/.test(s) && s.length <= 1024);
      await fc.assert(
        fc.asyncProperty(nonAscii, fc.nat(), async (t, cutSeed) => {
          const id = `u${++runs}`;
          const head =
            `<iq type='set' id='${id}' from='alice@localhost/r' to='${SERVICE}'>` +
            `<pubsub xmlns='${NS_PUBSUB}'><publish node='${NS_GEOLOC}'>` +
            `<item id='${id}'><geoloc xmlns='${NS_GEOLOC}'><lat>1</lat><lon>2</lon><text>`;
          const stanza = Buffer.from(`${head}${t}</text></geoloc></item></publish></pubsub></iq>`, "utf8");
          // the cut falls inside the text, so often inside a multi-byte character
          const cut = bytes(head) + 1 + (cutSeed % (bytes(t) - 1 || 1));
          const ping = Buffer.from(
            `<iq type='get' id='p${id}' from='alice@localhost/r' to='${SERVICE}'><ping xmlns='urn:xmpp:ping'/></iq>`,
          );
          peer.write(Buffer.concat([ping, stanza.subarray(0, cut)]));
          await waitFor(`id="p${id}"`); // the component has read the first write: the next one is a separate read
          peer.write(stanza.subarray(cut));
          await waitFor(`id="${id}"`);
          expect(received()).toContain(`id="${id}" type="result"`);
          const items = svc.core.items("alice@localhost", "alice@localhost", [id], undefined);
          expect(items.ok && items.value.map((e) => ("item" in e ? e.item.geoloc.text : undefined))).toEqual([t]);
        }),
        { seed: SEED, numRuns: 150 },
      );
      console.log(
        `utf-8 split: ${runs} generated non-ASCII texts, each cut at a random byte inside it between two TCP writes`,
      );
    } finally {
      await close();
    }
  });
});
