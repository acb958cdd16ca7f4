// IQ handlers for XEP-0060: read the request, call the core, build the reply. Dispatch tables by action,
// as Prosody's mod_pubsub does.
import xml, { type Element } from "@xmpp/xml";
import type { Result } from "../core/errors.ts";
import { COARSE_FIELD, EXACT_FIELD, SHARE_UNTIL_FIELD } from "../core/coarse.ts";
import { viewFor } from "../core/precision.ts";
import { ACCESS_MODELS, type Item, type NodeConfig, type Notification, type SubscriptionOptions } from "../core/model.ts";
import { optionsValues, SUBSCRIBE_OPTIONS } from "../core/sub-options.ts";
import type { GeoService } from "../core/service.ts";
import { errorElement } from "../protocol/errors.ts";
import { buildForm } from "../protocol/forms.ts";
import { locationItem, presenceItem } from "../protocol/items.ts";
import { NS } from "../protocol/ns.ts";
import { stamp } from "../protocol/time.ts";
import { readOwner, readPubsub, type OwnerRequest, type PubsubRequest } from "../protocol/requests.ts";

export interface HandlerContext {
  core: GeoService;
  now(): number;
  notify(n: readonly Notification[]): void;
  /** a publisher's node was just created: ask for its presence */
  created(publisher: string): void;
  /** a node's configuration changed or a node was created: the next share_until deadline may have moved */
  deadlines?(): void;
  /** `viewer` was sent items of these publishers (the owners' read log) */
  read?(viewer: string, publishers: string[]): void;
  /** subscription options were set (digests: a period may have ended) */
  optionsChanged?(): void;
  /** a fix was accepted on `owner`'s node (mirror mode writes it to that user's PEP node) */
  accepted?(owner: string, item: Item): void;
}

const pubsub = (...children: Element[]) => xml("pubsub", { xmlns: NS.pubsub }, ...children);
const ownerReply = (...children: Element[]) => xml("pubsub", { xmlns: NS.pubsubOwner }, ...children);

/** Unwraps a core result: the reply built from its value, or the error element; notifications are queued. */
function reply<T>(ctx: HandlerContext, r: Result<T>, build: (v: T) => Element | undefined): Element | undefined {
  if (!r.ok) return errorElement(r.error);
  const n = (r.value as { notifications?: Notification[] } | null)?.notifications;
  if (n) ctx.notify(n);
  return build(r.value);
}

export function handlePubsub(ctx: HandlerContext, from: string, el: Element, type: "get" | "set"): Element | undefined {
  const req = readPubsub(el, type);
  if (!req.ok) return errorElement(req.error);
  return PUBSUB[req.value.action](ctx, from, req.value as never);
}

type Handlers<R extends { action: string }> = { [A in R["action"]]: (ctx: HandlerContext, from: string, r: Extract<R, { action: A }>) => Element | undefined };

const PUBSUB: Handlers<PubsubRequest> = {
  publish(ctx, from, r) {
    const result = ctx.core.publish(from, r.publish, ctx.now());
    if (result.ok && result.value.created) ctx.created(result.value.node);
    if (result.ok && ctx.accepted) {
      const { node, itemId } = result.value;
      const n = ctx.core.node(node);
      const item = n?.items.find((i) => i.id === itemId);
      // the PEP node is read by all the owner's contacts: it carries what anyone may see of the fix
      const seen = n && item && viewFor(n, undefined, item); // none after share_until
      if (seen) ctx.accepted(node, seen);
    }
    // §7.1.2: the result carries the node and the item id
    return reply(ctx, result, (v) => pubsub(xml("publish", { node: v.node }, xml("item", { id: v.itemId }))));
  },
  items(ctx, from, r) {
    return reply(ctx, ctx.core.items(from, r.node, r.ids, r.max), (list) => {
      ctx.read?.(from, list.flatMap((e) => ("node" in e ? [e.node] : []))); // who looked (core/watchers.ts)
      return pubsub(xml("items", { node: r.node }, ...list.map((e) => ("presence" in e ? presenceItem(e.presence) : locationItem(e.item, true)))));
    });
  },
  subscribe(ctx, from, r) {
    // §6.1.2 subscribed, or §6.1.6 pending (authorize node: the owner was asked)
    return reply(ctx, ctx.core.subscribe(from, r.node, r.jid, r.options), ({ subscription: s, state }) => {
      if (r.options) ctx.optionsChanged?.();
      return pubsub(xml("subscription", { node: s.node, jid: s.jid, subid: s.subid, subscription: state }));
    });
  },
  options(ctx, from, r) {
    if (r.form) return reply(ctx, ctx.core.setOptions(from, r.node, r.jid, r.subid, r.form), () => { ctx.optionsChanged?.(); return undefined; }); // §6.3.5
    // §6.3.2: the form with the current values
    return reply(ctx, ctx.core.getOptions(from, r.node, r.jid, r.subid), ({ subscription: s, options }) =>
      pubsub(xml("options", { node: r.node, jid: s.jid, subid: s.subid }, optionsForm(options))));
  },
  unsubscribe(ctx, from, r) {
    return reply(ctx, ctx.core.unsubscribe(from, r.node, r.jid), () => undefined);
  },
  subscriptions(ctx, from, r) {
    return reply(ctx, ctx.core.subscriptionsOf(from, r.node), (subs) =>
      pubsub(xml("subscriptions", r.node ? { node: r.node } : {}, ...subs.map((s) => xml("subscription", { node: s.node, jid: s.jid, subid: s.subid, subscription: "subscribed" })))));
  },
  affiliations(ctx, from, r) {
    // §5.7: the requester's own affiliations; here: the owner of its own node
    const own = ctx.core.view(from, from.split("/")[0]);
    const mine = own?.kind === "personal" && (!r.node || r.node === own.node.name) ? [own.node.name] : [];
    return pubsub(xml("affiliations", r.node ? { node: r.node } : {}, ...mine.map((node) => xml("affiliation", { node, affiliation: "owner" }))));
  },
  retract(ctx, from, r) {
    return reply(ctx, ctx.core.retract(from, r.node, r.ids), () => undefined);
  },
  create() {
    // Personal nodes are created by the first publish (XEP-0163 §4.3.1); `locations` and `presence` are the service's.
    return errorElement({ condition: "not-allowed", text: "nodes are created by publishing to your own node" });
  },
};

export function handleOwner(ctx: HandlerContext, from: string, el: Element, type: "get" | "set"): Element | undefined {
  const req = readOwner(el, type);
  if (!req.ok) return errorElement(req.error);
  return OWNER[req.value.action](ctx, from, req.value as never);
}

const CONFIG = `${NS.pubsub}#node_config`;

function optionsForm(o: SubscriptionOptions): Element {
  const v = optionsValues(o);
  return buildForm("form", SUBSCRIBE_OPTIONS, [
    { var: "pubsub#deliver", type: "boolean", label: "Enable delivery?", value: v["pubsub#deliver"] },
    { var: "pubsub#digest", type: "boolean", label: "Receive digest notifications (approx. one per period)?", value: v["pubsub#digest"] },
    { var: "pubsub#digest_frequency", type: "text-single", label: "The minimum number of milliseconds between two digests (0: one per delivery turn)", value: v["pubsub#digest_frequency"] },
    { var: "geo#bbox", type: "text-single", label: "Only publishers inside south,west,north,east (degrees; west > east crosses the antimeridian; empty: everywhere)", value: v["geo#bbox"] },
  ]);
}

function configForm(type: "form", c: NodeConfig): Element {
  return buildForm(type, CONFIG, [
    { var: "pubsub#access_model", type: "list-single", label: "Who may see this node", value: c.accessModel, options: [...ACCESS_MODELS] },
    { var: COARSE_FIELD, type: "text-single", label: "Share only a position snapped to a grid of this many km (0 = precise)", value: String(c.coarseKm) },
    { var: EXACT_FIELD, type: "jid-multi", label: "Who sees the exact position when the grid is on (you always do)", value: c.exact },
    { var: SHARE_UNTIL_FIELD, type: "text-single", label: "Stop sharing at (XEP-0082 date-time, e.g. 2026-12-02T18:00:00Z; empty = no end)", value: c.shareUntil === undefined ? "" : stamp(c.shareUntil) },
    { var: "pubsub#max_items", type: "text-single", label: "How many past positions to keep", value: String(c.maxItems) },
    { var: "pubsub#title", type: "text-single", label: "A friendly name", value: c.title },
    { var: "pubsub#itemreply", type: "list-single", value: "publisher", options: ["publisher"] },
  ]);
}

const OWNER: Handlers<OwnerRequest> = {
  configure(ctx, from, r) {
    if (!r.form) return reply(ctx, ctx.core.getConfig(from, r.node), (c) => ownerReply(xml("configure", { node: r.node }, configForm("form", c))));
    const result = ctx.core.configure(from, r.node, r.form, ctx.now());
    // a deadline already passed: the PEP mirror stops too (XEP-0080 §4.1 empty geoloc)
    if (result.ok) for (const s of result.value.stopped) ctx.accepted?.(s.owner, s.item);
    const done = reply(ctx, result, () => undefined);
    ctx.deadlines?.(); // share_until may have changed
    return done;
  },
  default(ctx) {
    return ownerReply(xml("default", {}, configForm("form", ctx.core.settings.defaults)));
  },
  delete(ctx, from, r) {
    return reply(ctx, ctx.core.deleteNode(from, r.node), () => undefined);
  },
  purge(ctx, from, r) {
    return reply(ctx, ctx.core.purge(from, r.node), () => undefined);
  },
  affiliations(ctx, from, r) {
    if (r.changes) return reply(ctx, ctx.core.setAffiliations(from, r.node, r.changes), () => undefined);
    return reply(ctx, ctx.core.affiliations(from, r.node), (list) =>
      ownerReply(xml("affiliations", { node: r.node }, ...list.map((a) => xml("affiliation", { jid: a.jid, affiliation: a.affiliation })))));
  },
  subscriptions(ctx, from, r) {
    return reply(ctx, ctx.core.nodeSubscriptions(from, r.node), (subs) =>
      ownerReply(xml("subscriptions", { node: r.node }, ...subs.map((s) => xml("subscription", { jid: s.jid, subid: s.subid, subscription: "subscribed" })))));
  },
};
