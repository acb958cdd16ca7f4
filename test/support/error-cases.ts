// Every kind of request the service refuses, one per error it can return (condition + XEP-0060 §14.2 application
// condition), with the error it must send. Shared by the xmpp.js test (test/integration/errors.test.ts) and the
// slixmpp one (test/integration/slixmpp.test.ts), so both clients are checked against the same table.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import Database from "better-sqlite3";
import type { ErrorType } from "../../component/src/core/errors.ts";
import { geoloc, NS_GEOLOC, NS_PUBSUB, owner, publishEl, pubsub } from "./client.ts";
import type { StackOptions } from "./stack.ts";

/** The stack the table is written for: a low rate limit and a small payload cap keep those cases cheap. */
export const ERROR_STACK: StackOptions = {
  settings: { rate: { perSecond: 1, burst: 3 }, maxPayloadBytes: 400 },
  busyTimeoutMs: 100,
};

export interface Sender {
  bare: string;
  full: string;
}
/** What a test sends to the service: an IQ with this child, or a message with this payload. */
export type IqRequest = { iq: "get" | "set"; child: Element };
export type Request = IqRequest | { message: Element };

export interface ErrorCase {
  what: string;
  /** requests of the same sender that must succeed first */
  before?: (me: Sender) => IqRequest[];
  request: (me: Sender) => Request;
  /** a fault held while the request is sent: returns its release */
  fault?: (dbFile: string) => () => void;
  /**
   * RFC 6120 §8.3: type, defined condition, <text/> ("" = none), the pubsub#errors condition (if any) and its feature
   */
  expect: { type: ErrorType; condition: string; text: string | RegExp; app?: string; feature?: string };
}

const set = (child: Element): IqRequest => ({ iq: "set", child });
const get = (child: Element): IqRequest => ({ iq: "get", child });
const fix = () => geoloc({ lat: 52.52, lon: 13.405 });
const publishFix = () => set(publishEl(fix()));
const form = (type: string, fields: Record<string, string>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, type)),
    ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );
const configure = (me: Sender, fields: Record<string, string>) =>
  set(owner(xml("configure", { node: me.bare }, form(`${NS_PUBSUB}#node_config`, fields))));
const big = () => geoloc({ lat: 1, lon: 1, text: "x".repeat(400) });

/** XEP-0060 §14.2: the service's application conditions live in this namespace. */
export const NS_PUBSUB_ERRORS = `${NS_PUBSUB}#errors`;

export const ERROR_CASES: ErrorCase[] = [
  {
    what: "two actions in one <pubsub/>",
    request: () =>
      set(pubsub(xml("publish", { node: NS_GEOLOC }, xml("item", {}, fix())), xml("items", { node: "locations" }))),
    expect: { type: "modify", condition: "bad-request", text: "expected exactly one pubsub action" },
  },
  {
    what: "a publish without a node (§7.1.3.3)",
    request: () => set(pubsub(xml("publish", {}, xml("item", {}, fix())))),
    expect: { type: "modify", condition: "bad-request", text: "", app: "nodeid-required" },
  },
  {
    what: "a latitude that is not a number (§7.1.3.5)",
    request: () => set(publishEl(geoloc({ lat: "north", lon: 1 }))),
    expect: { type: "modify", condition: "bad-request", text: "lat: not a decimal number", app: "invalid-payload" },
  },
  {
    what: "subscribing someone else's JID (§6.1.3.1)",
    request: () => set(pubsub(xml("subscribe", { node: "locations", jid: "someone-else@localhost" }))),
    expect: { type: "modify", condition: "bad-request", text: "", app: "invalid-jid" },
  },
  {
    what: "a publish with an empty item (§7.1.3.6)",
    request: () => set(publishEl(undefined)),
    expect: { type: "modify", condition: "bad-request", text: "", app: "item-required" },
  },
  {
    what: "a payload over the size cap (§7.1.3.4)",
    request: () => set(publishEl(big())),
    expect: {
      type: "modify",
      condition: "not-acceptable",
      text: `payload is ${Buffer.byteLength(big().toString())} bytes; the limit is 400`,
      app: "payload-too-big",
    },
  },
  {
    what: "default subscription options, not offered (§6.4)",
    request: () => get(pubsub(xml("default"))),
    expect: {
      type: "cancel",
      condition: "feature-not-implemented",
      text: "get default is not supported",
      app: "unsupported",
      feature: "retrieve-default-sub",
    },
  },
  {
    what: "an owner action not offered (§8.8.2)",
    request: (me) => set(owner(xml("subscriptions", { node: me.bare }))),
    expect: {
      type: "cancel",
      condition: "feature-not-implemented",
      text: "set subscriptions is not supported",
      app: "unsupported",
      feature: "manage-subscriptions",
    },
  },
  {
    what: "creating a node (§8.1)",
    request: () => set(pubsub(xml("create", { node: "mine" }))),
    expect: { type: "cancel", condition: "not-allowed", text: "nodes are created by publishing to your own node" },
  },
  {
    what: "publishing to locations (§7.1.3.1)",
    request: () => set(publishEl(fix(), "locations")),
    expect: { type: "auth", condition: "forbidden", text: "only the service publishes to locations" },
  },
  {
    what: "publishing to someone else's node (§7.1.3.1)",
    request: () => set(publishEl(fix(), "someone-else@localhost")),
    expect: { type: "auth", condition: "forbidden", text: "" },
  },
  {
    what: "items of a node that does not exist (§6.5.9.11)",
    request: () => get(pubsub(xml("items", { node: "nobody@localhost" }))),
    expect: { type: "cancel", condition: "item-not-found", text: "" },
  },
  {
    what: "publishing to a node that is not a bare JID",
    request: () => set(publishEl(fix(), "my-node")),
    expect: { type: "cancel", condition: "item-not-found", text: "personal nodes are named by their owner's bare JID" },
  },
  {
    what: "a title over 256 characters (§8.2.5)",
    before: () => [publishFix()],
    request: (me) => configure(me, { "pubsub#title": "t".repeat(257) }),
    expect: { type: "modify", condition: "not-acceptable", text: "pubsub#title is longer than 256 characters" },
  },
  {
    what: "an access model the service does not offer (§8.2.5)",
    before: () => [publishFix()],
    request: (me) => configure(me, { "pubsub#access_model": "presence" }),
    expect: {
      type: "modify",
      condition: "not-acceptable",
      text: "access model presence is not offered here (open, whitelist, authorize)",
      app: "unsupported",
    },
  },
  {
    what: "more history than the service keeps (§8.2.5)",
    before: () => [publishFix()],
    request: (me) => configure(me, { "pubsub#max_items": "1001" }),
    expect: {
      type: "modify",
      condition: "not-acceptable",
      text: "pubsub#max_items must be 1-1000",
      app: "max-items-exceeded",
    },
  },
  {
    what: "publish-options that do not match the node (§7.1.5)",
    before: () => [publishFix()],
    request: () =>
      set(
        pubsub(
          xml("publish", { node: NS_GEOLOC }, xml("item", {}, fix())),
          xml("publish-options", {}, form(`${NS_PUBSUB}#publish-options`, { "pubsub#access_model": "whitelist" })),
        ),
      ),
    expect: {
      type: "cancel",
      condition: "conflict",
      text: "the node's pubsub#access_model differs from the publish-options",
      app: "precondition-not-met",
    },
  },
  {
    what: "publishing over the rate limit (RFC 6120 §8.3.3.12)",
    before: () => [publishFix(), publishFix(), publishFix()],
    request: publishFix,
    expect: {
      type: "wait",
      condition: "policy-violation",
      text: /^rate limit: at most 1 publishes per second \(burst 3\); retry in \d+ ms$/,
    },
  },
  {
    what: "unsubscribing without a subscription (§6.2.3.2)",
    request: (me) => set(pubsub(xml("unsubscribe", { node: "locations", jid: me.bare }))),
    expect: { type: "cancel", condition: "unexpected-request", text: "", app: "not-subscribed" },
  },
  {
    what: "a publish while the database is locked (RFC 6120 §8.3.3.18)",
    request: publishFix,
    fault: lockDatabase,
    expect: {
      type: "wait",
      condition: "resource-constraint",
      text: "storage is unavailable; nothing was changed, try again later",
    },
  },
  {
    what: "an IQ the service does not handle (RFC 6120 §8.4)",
    request: () => get(xml("query", { xmlns: "jabber:iq:last" })),
    expect: { type: "cancel", condition: "service-unavailable", text: "" },
  },
  {
    what: "an owner's answer to a subscription request that is not a boolean (§8.6.2, a message error)",
    request: (me) => ({
      message: form(`${NS_PUBSUB}#subscribe_authorization`, {
        "pubsub#node": me.bare,
        "pubsub#subscriber_jid": "someone-else@localhost",
        "pubsub#allow": "maybe",
      }),
    }),
    expect: { type: "modify", condition: "bad-request", text: "pubsub#allow is a boolean" },
  },
];

/** SQLite's write lock, held by another connection (as a backup would): the service's commit times out. */
function lockDatabase(dbFile: string): () => void {
  const db = new Database(dbFile, { timeout: 0 });
  db.exec("BEGIN IMMEDIATE");
  return () => {
    db.exec("ROLLBACK");
    db.close();
  };
}
