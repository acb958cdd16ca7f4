// IQ handlers for XEP-0060 §8 (the pubsub#owner namespace), in the one table of ./pubsub.ts: keys `owner_type_action`.
import xml, { type Element } from "@xmpp/xml";
import { NS } from "../protocol/ns.ts";
import { nodeConfigForm, readNodeConfig } from "../protocol/node-config.ts";
import { readAffiliations, readConfigure, type PubsubAction } from "../protocol/requests.ts";
import { on, reply, type Handlers } from "./handler.ts";

const ownerReply = (...children: Element[]) => xml("pubsub", { xmlns: NS.pubsubOwner }, ...children);

// readOwnerAction has checked that each of these names its node
const nodeOf = (r: PubsubAction) => r.node!;

export const OWNER: Handlers<Element | undefined> = {
  // §8.2.1: the configuration form with the node's current values
  owner_get_configure(ctx, from, r) {
    const node = nodeOf(r);
    return reply(ctx, ctx.core.getConfig(from, node), (c) => ownerReply(xml("configure", { node }, nodeConfigForm(c))));
  },
  // §8.2.4: the submitted form, read against the node configuration fields (protocol/node-config.ts)
  owner_set_configure: on(readConfigure, (ctx, from, r) => {
    const form = r.form === "cancel" ? r.form : readNodeConfig(r.form, ctx.core.settings);
    const result = ctx.core.configure(from, r.node, form, ctx.now());
    // a deadline already passed: the PEP mirror stops too (XEP-0080 §4.1 empty geoloc)
    if (result.ok) for (const s of result.value.stopped) ctx.accepted?.(s.owner, s.item);
    const done = reply(ctx, result, () => undefined);
    ctx.deadlines?.(); // share_until may have changed
    return done;
  }),
  // §8.3: the default configuration
  owner_get_default(ctx) {
    return ownerReply(xml("default", {}, nodeConfigForm(ctx.core.settings.defaults)));
  },
  owner_set_delete(ctx, from, r) {
    return reply(ctx, ctx.core.deleteNode(from, nodeOf(r)), () => undefined); // §8.4
  },
  owner_set_purge(ctx, from, r) {
    return reply(ctx, ctx.core.purge(from, nodeOf(r)), () => undefined); // §8.5
  },
  // §8.9.1
  owner_get_affiliations(ctx, from, r) {
    const node = nodeOf(r);
    return reply(ctx, ctx.core.affiliations(from, node), (list) =>
      ownerReply(
        xml(
          "affiliations",
          { node },
          ...list.map((a) => xml("affiliation", { jid: a.jid, affiliation: a.affiliation })),
        ),
      ),
    );
  },
  // §8.9.2
  owner_set_affiliations(ctx, from, r) {
    return reply(ctx, ctx.core.setAffiliations(from, nodeOf(r), readAffiliations(r)), () => undefined);
  },
  // §8.8.1
  owner_get_subscriptions(ctx, from, r) {
    const node = nodeOf(r);
    return reply(ctx, ctx.core.nodeSubscriptions(from, node), (subs) =>
      ownerReply(
        xml(
          "subscriptions",
          { node },
          ...subs.map((s) => xml("subscription", { jid: s.jid, subid: s.subid, subscription: "subscribed" })),
        ),
      ),
    );
  },
};
