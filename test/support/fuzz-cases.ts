// The cases of the hostile-input fuzz (test/integration/fuzz-hostile.test.ts): IQs to the service (pubsub, owner and
// other queries, near-the-cap payloads) and presence/message stanzas, built from the values of ./fuzz-values.ts.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import fc from "fast-check";
import { NS_GEOLOC, NS_OWNER, NS_PUBSUB, publishEl } from "./client.ts";
import {
  bytes,
  configField,
  copy,
  decimal,
  form,
  geolocEl,
  itemEl,
  jidLike,
  ME,
  nodeName,
  SERVICE,
  sized,
  text,
  VICTIM,
} from "./fuzz-values.ts";

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
export const anyCase = fc
  .oneof({ weight: 12, arbitrary: iqCase }, { weight: 2, arbitrary: sizedCase }, { weight: 1, arbitrary: stanzaCase })
  .filter((c) => caseBytes(c) < MAX_STANZA);
export const describeCase = (c: Case) => {
  const s =
    c.kind === "stanza" ? c.el.toString() : `<iq type='${c.type}' to='${c.to}'>${c.children.map(String).join("")}</iq>`;
  return s.length > 1500 ? `${s.slice(0, 1000)} …(${s.length} chars)… ${s.slice(-300)}` : s;
};
