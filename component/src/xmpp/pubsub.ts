// IQ handlers for XEP-0060 §5-§7 (the pubsub namespace): each reads its request (protocol/requests.ts), calls the
// core and builds the reply. Keyed `type_action`, as Prosody's mod_pubsub; the owner's are in ./owner.ts.
import xml, { type Element } from "@xmpp/xml";
import { viewFor } from "../core/precision.ts";
import { errorElement } from "../protocol/errors.ts";
import { locationItem, presenceItem } from "../protocol/items.ts";
import { NS } from "../protocol/ns.ts";
import { readNodeConfig } from "../protocol/node-config.ts";
import { readItems, readOptions, readPublish, readRetract, readSubscribe } from "../protocol/requests.ts";
import { subscriptionOptionsForm } from "../protocol/sub-options.ts";
import { dispatch, on, reply, type HandlerContext, type Handlers } from "./handler.ts";

export type { HandlerContext } from "./handler.ts";

const pubsub = (...children: Element[]) => xml("pubsub", { xmlns: NS.pubsub }, ...children);

// XEP-0060 §5-§7, the pubsub namespace
export const PUBSUB: Handlers<Element | undefined> = {
  set_publish: on(readPublish, (ctx, from, r) => {
    // §7.1.5: the form read against the node configuration fields (protocol/node-config.ts)
    const options = r.options && readNodeConfig(r.options, ctx.core.settings);
    const result = ctx.core.publish(from, options ? { ...r.publish, options } : r.publish, ctx.now());
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
  }),
  get_items: on(readItems, (ctx, from, r) =>
    reply(ctx, ctx.core.items(from, r.node, r.ids, r.max), (list) => {
      ctx.read?.(
        from,
        list.flatMap((e) => ("node" in e ? [e.node] : [])),
      ); // who looked (core/watchers.ts)
      return pubsub(
        xml(
          "items",
          { node: r.node },
          ...list.map((e) => ("presence" in e ? presenceItem(e.presence) : locationItem(e.item, true))),
        ),
      );
    }),
  ),
  set_subscribe: on(readSubscribe, (ctx, from, r) =>
    // §6.1.2 subscribed, or §6.1.6 pending (authorize node: the owner was asked)
    reply(ctx, ctx.core.subscribe(from, r.node, r.jid, r.options), ({ subscription: s, state }) => {
      if (r.options) ctx.optionsChanged?.();
      return pubsub(xml("subscription", { node: s.node, jid: s.jid, subid: s.subid, subscription: state }));
    }),
  ),
  // §6.3.2: the form with the current values
  get_options: on(readOptions, (ctx, from, r) =>
    reply(ctx, ctx.core.getOptions(from, r.node, r.jid, r.subid), ({ subscription: s, options }) =>
      pubsub(xml("options", { node: r.node, jid: s.jid, subid: s.subid }, subscriptionOptionsForm(options))),
    ),
  ),
  // §6.3.5: the submitted form
  set_options: on(readOptions, (ctx, from, r) =>
    reply(ctx, ctx.core.setOptions(from, r.node, r.jid, r.subid, r.form!), () => {
      ctx.optionsChanged?.();
      return undefined;
    }),
  ),
  set_unsubscribe: on(readSubscribe, (ctx, from, r) =>
    reply(ctx, ctx.core.unsubscribe(from, r.node, r.jid), () => undefined),
  ),
  get_subscriptions(ctx, from, { node }) {
    return reply(ctx, ctx.core.subscriptionsOf(from, node), (subs) =>
      pubsub(
        xml(
          "subscriptions",
          node ? { node } : {},
          ...subs.map((s) =>
            xml("subscription", { node: s.node, jid: s.jid, subid: s.subid, subscription: "subscribed" }),
          ),
        ),
      ),
    );
  },
  get_affiliations(ctx, from, { node }) {
    // §5.7: the requester's own affiliations; here: the owner of its own node
    const own = ctx.core.view(from, from.split("/")[0]);
    const mine = own?.kind === "personal" && (!node || node === own.node.name) ? [own.node.name] : [];
    return pubsub(
      xml(
        "affiliations",
        node ? { node } : {},
        ...mine.map((n) => xml("affiliation", { node: n, affiliation: "owner" })),
      ),
    );
  },
  set_retract: on(readRetract, (ctx, from, r) => reply(ctx, ctx.core.retract(from, r.node, r.ids), () => undefined)),
  set_create() {
    // Personal nodes are created by the first publish (XEP-0163 §4.3.1); `locations` and `presence` are the service's.
    return errorElement({ condition: "not-allowed", text: "nodes are created by publishing to your own node" });
  },
};

/** A <pubsub/> IQ in the pubsub namespace, answered by the handlers above (in-process callers, the bench). */
export const handlePubsub = (
  ctx: HandlerContext,
  from: string,
  el: Element,
  type: "get" | "set",
): Element | undefined => dispatch(PUBSUB, ctx, from, el, type, false);
