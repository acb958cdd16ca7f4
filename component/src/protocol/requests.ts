// Reads the <pubsub/> child of an IQ into a request value (XEP-0060 §5-§8). Browser-safe.
import type { Element } from "@xmpp/xml";
import { fail, ok, type Result, type ServiceError } from "../core/errors.ts";
import type { AuthorizationAnswer } from "../core/authorize.ts";
import type { PublishRequest } from "../core/service.ts";
import { geolocEntries } from "./geoloc.ts";
import { readForm, readSubmission, type SubmittedForm } from "./forms.ts";
import { NS } from "./ns.ts";

/**
 * The one action of a <pubsub/> request and the key it is dispatched by, as Prosody's mod_pubsub does: `type_action`
 * (`get_items`, `set_publish`), `owner_type_action` in the pubsub#owner namespace (`owner_set_configure`).
 */
export interface PubsubAction {
  key: string;
  type: "get" | "set";
  /** the action element */
  el: Element;
  /** the node it names, if any (every owner action but §8.3 default names one) */
  node?: string;
  /** XEP-0060 §7.1.5 <publish-options/> next to a <publish/> */
  publishOptions?: Element;
  /** XEP-0060 §6.3.7 <options/> next to a <subscribe/> */
  subscribeOptions?: Element;
}

const bytes = (s: string) => new TextEncoder().encode(s).length;

/** A publish of `item` (or of no item) to `node`, its payload read for validation by the core. */
export function publishRequest(node: string, item: Element | undefined): PublishRequest {
  const payloads = item?.getChildElements() ?? [];
  const first = payloads[0];
  const publish: PublishRequest = { node, itemId: item?.attrs.id };
  if (first) {
    publish.payload = {
      entries: geolocEntries(first),
      lang: first.attrs["xml:lang"],
      bytes: bytes(first.toString()),
      namespaceOk: first.name === "geoloc" && first.attrs.xmlns === NS.geoloc,
      count: payloads.length,
    };
  }
  return publish;
}

function nodeOf(el: Element): Result<string> {
  const node = el.attrs.node;
  // §7.1.3.3 / §6.5.9 etc.: a request on a node without a node name
  return node ? ok(node) : fail("bad-request", "nodeid-required");
}

/** The action element: the one child that is not an options form (a lone <options/> is §6.3's action). */
function actionOf(pubsub: Element): Element | undefined {
  const all = pubsub.getChildElements();
  const children = all.filter((c) => c.name !== "publish-options" && c.name !== "options");
  if (!children.length && all.length === 1 && all[0].name === "options") return all[0];
  return children.length === 1 ? children[0] : undefined;
}

export const PUBLISH_OPTIONS = `${NS.pubsub}#publish-options`;
export const NODE_CONFIG = `${NS.pubsub}#node_config`;

/** The options elements next to the action, refused where they do not belong. */
function optionsOf(pubsub: Element, action: string): Result<{ publish?: Element; subscribe?: Element }> {
  const publish = pubsub.getChildren("publish-options");
  const options = pubsub.getChildren("options");
  if (publish.length > 1 || options.length > 1) return fail("bad-request", undefined, "options are given once");
  if (publish.length && action !== "publish")
    return fail("bad-request", undefined, "publish-options go with a publish (XEP-0060 §7.1.5)");
  if (options.length && action !== "options") {
    // XEP-0060 §6.3.7: <options/> follows <subscribe/>; a node or jid it names (the schema allows them) is the
    // subscribe's.
    const sub = pubsub.getChild("subscribe");
    const { node, jid } = options[0].attrs;
    if (
      action !== "subscribe" ||
      (node !== undefined && node !== sub?.attrs.node) ||
      (jid !== undefined && jid !== sub?.attrs.jid)
    ) {
      return fail(
        "bad-request",
        undefined,
        "<options/> goes with a <subscribe/> and names no other node or jid (XEP-0060 §6.3.7)",
      );
    }
  }
  return ok({ publish: publish[0], subscribe: action === "subscribe" ? options[0] : undefined });
}

/** The submitted form of an <options/> element; an <options/> without one is a bad request. */
function optionsForm(el: Element): Result<Record<string, string>> {
  const x = el.getChild("x", NS.dataForms);
  const form = x?.attrs.type === "submit" ? readForm(x) : undefined;
  return form
    ? ok(form)
    : fail("bad-request", "invalid-options", "options need a submitted data form (XEP-0060 §6.3.5)");
}

/** XEP-0060 §5-§7: the action of a <pubsub/>, its options checked where they belong. */
export function readAction(pubsub: Element, type: "get" | "set"): Result<PubsubAction> {
  const a = actionOf(pubsub);
  if (!a) return fail("bad-request", undefined, "expected exactly one pubsub action");
  const opts = optionsOf(pubsub, a.name);
  if (!opts.ok) return opts;
  return ok({
    key: `${type}_${a.name}`,
    type,
    el: a,
    node: a.attrs.node,
    publishOptions: opts.value.publish,
    subscribeOptions: opts.value.subscribe,
  });
}

/** XEP-0060 §8: the action of a <pubsub xmlns='…#owner'/>; every owner action but §8.3 default names its node. */
export function readOwnerAction(pubsub: Element, type: "get" | "set"): Result<PubsubAction> {
  const a = actionOf(pubsub);
  if (!a) return fail("bad-request", undefined, "expected exactly one pubsub#owner action");
  if (!(a.name === "default" && type === "get")) {
    const node = nodeOf(a);
    if (!node.ok) return node;
  }
  return ok({ key: `owner_${type}_${a.name}`, type, el: a, node: a.attrs.node });
}

/** §7.1 publish, with §7.1.5 publish-options (read against the node configuration by the caller). */
export function readPublish(r: PubsubAction): Result<{ publish: PublishRequest; options?: SubmittedForm }> {
  const node = nodeOf(r.el);
  if (!node.ok) return node;
  const items = r.el.getChildren("item");
  if (items.length > 1) return fail("bad-request", "invalid-payload", "one item per publish (XEP-0060 §7.1.1)");
  const publish = publishRequest(node.value, items[0]);
  if (!r.publishOptions) return ok({ publish });
  // XEP-0060 §7.1.5: the element holds a data form of FORM_TYPE publish-options
  const form = readSubmission(r.publishOptions.getChild("x", NS.dataForms), PUBLISH_OPTIONS);
  if (!form.ok) return form;
  if (form.value === "cancel") return fail("bad-request", undefined, "publish-options cannot be cancelled");
  return ok({ publish, options: form.value });
}

/** §6.5 retrieve items: all, some by id (§6.5.8), or the newest `max` (§6.5.7). */
export function readItems(r: PubsubAction): Result<{ node: string; ids?: string[]; max?: number }> {
  const node = nodeOf(r.el);
  if (!node.ok) return node;
  const ids = r.el
    .getChildren("item")
    .map((i) => i.attrs.id)
    .filter(Boolean) as string[];
  const rawMax = r.el.attrs.max_items;
  const max = rawMax === undefined ? undefined : Number(rawMax);
  if (max !== undefined && !(Number.isInteger(max) && max >= 0))
    return fail("bad-request", undefined, "max_items must be a non-negative integer");
  return ok({ node: node.value, ids: ids.length ? ids : undefined, max });
}

/** §6.1 subscribe (with §6.3.7 options) and §6.2 unsubscribe. */
export function readSubscribe(
  r: PubsubAction,
): Result<{ node: string; jid: string; options?: Record<string, string> }> {
  const node = nodeOf(r.el);
  if (!node.ok) return node;
  const jid = r.el.attrs.jid;
  if (!jid) return fail("bad-request", "invalid-jid"); // §6.1.3.1
  if (!r.subscribeOptions) return ok({ node: node.value, jid });
  // §6.3.7: subscribe and configure in one request
  const form = optionsForm(r.subscribeOptions);
  return form.ok ? ok({ node: node.value, jid, options: form.value }) : form;
}

/** §6.3.2 (get) and §6.3.5 (set, with the submitted form) subscription options. */
export function readOptions(
  r: PubsubAction,
): Result<{ node: string; jid: string; subid?: string; form?: Record<string, string> }> {
  const node = nodeOf(r.el);
  if (!node.ok) return node;
  const base = {
    node: node.value,
    jid: r.el.attrs.jid ?? "",
    ...(r.el.attrs.subid !== undefined && { subid: r.el.attrs.subid as string }),
  };
  if (r.type === "get") return ok(base);
  const form = optionsForm(r.el);
  return form.ok ? ok({ ...base, form: form.value }) : form;
}

/** §7.2 retract: the node and the item ids. */
export function readRetract(r: PubsubAction): Result<{ node: string; ids: string[] }> {
  const node = nodeOf(r.el);
  if (!node.ok) return node;
  return ok({
    node: node.value,
    ids: r.el
      .getChildren("item")
      .map((i) => i.attrs.id)
      .filter(Boolean) as string[],
  });
}

/** §8.2.4: the submitted configuration form (FORM_TYPE node_config), or a cancel. */
export function readConfigure(r: PubsubAction): Result<{ node: string; form: SubmittedForm | "cancel" }> {
  const form = readSubmission(r.el.getChild("x", NS.dataForms), NODE_CONFIG);
  return form.ok ? ok({ node: r.node!, form: form.value }) : form;
}

/** §8.9.2: the affiliations an owner sets. */
export const readAffiliations = (r: PubsubAction): Array<{ jid: string; affiliation: string }> =>
  r.el.getChildren("affiliation").map((c) => ({ jid: c.attrs.jid ?? "", affiliation: c.attrs.affiliation ?? "" }));

// XEP-0060 §10: the feature each request belongs to, named in <unsupported feature='...'/> (§14.2 requires it)
const FEATURES: Record<string, string> = {
  configure: "config-node",
  create: "create-nodes",
  delete: "delete-nodes",
  purge: "purge-nodes",
  default: "retrieve-default-sub",
  "set:subscriptions": "manage-subscriptions",
  "set:items": "publish",
  "get:publish": "publish",
  "get:retract": "retract-items",
  "get:subscribe": "subscribe",
  "get:unsubscribe": "subscribe",
};

/** §5-§8: an action the service does not offer (configure in the pubsub namespace, ...). */
export function unsupported(name: string, type: "get" | "set"): { ok: false; error: ServiceError } {
  const feature = FEATURES[`${type}:${name}`] ?? FEATURES[name] ?? name;
  return {
    ok: false,
    error: {
      condition: "feature-not-implemented",
      pubsub: "unsupported",
      feature,
      text: `${type} ${name} is not supported`,
    },
  };
}

/**
 * XEP-0060 §8.6.2: the owner's answer, a message with the submitted pubsub#subscribe_authorization form.
 * undefined when the message is not one; an error when it is one but incomplete.
 */
export function readAuthorization(message: Element): Result<AuthorizationAnswer> | undefined {
  const x = message.getChild("x", NS.dataForms);
  const form = x?.attrs.type === "submit" ? readForm(x) : undefined;
  if (form?.FORM_TYPE !== `${NS.pubsub}#subscribe_authorization`) return undefined;
  const node = form["pubsub#node"],
    jid = form["pubsub#subscriber_jid"],
    allow = form["pubsub#allow"];
  if (!node || !jid || allow === undefined)
    return fail("bad-request", undefined, "pubsub#node, pubsub#subscriber_jid and pubsub#allow are required");
  // XEP-0004 §3.3 boolean: 1/true or 0/false
  if (!["1", "true", "0", "false"].includes(allow)) return fail("bad-request", undefined, "pubsub#allow is a boolean");
  return ok({
    node,
    jid,
    allow: allow === "1" || allow === "true",
    ...(form["pubsub#subid"] && { subid: form["pubsub#subid"] }),
  });
}
