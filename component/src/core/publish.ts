// XEP-0060 §7.1 publish an item to a node (PEP-style: the own node is auto-created, XEP-0163 §4.3.1).
import { inAllowedDomain, mayPublish } from "./access.ts";
import type { Change } from "./changes.ts";
import { merged, unmet, type ConfigChange } from "./config.ts";
import type { Core, Outcome } from "./context.ts";
import { fail, ok, type ServiceError } from "./errors.ts";
import { validateGeoloc, type GeolocEntry } from "./geoloc.ts";
import { bare, normaliseBare } from "./jid.ts";
import type { Item, Notification } from "./model.ts";
import { LOCATIONS, OWN_NODE, PRESENCE } from "./nodes.ts";
import { currentPresence, presenceNotifications } from "./presence-ops.ts";
import { take } from "./rate.ts";

export interface PublishRequest {
  node: string;
  itemId?: string;
  /** undefined: the <publish/> had no <item/> or the item no payload */
  payload?: { entries: GeolocEntry[]; lang?: string; bytes: number; namespaceOk: boolean; count: number };
  /** XEP-0060 §7.1.5 publish-options: the submitted form, read (protocol/node-config.ts) */
  options?: ConfigChange;
}

export function publish(
  core: Core,
  from: string,
  req: PublishRequest,
  now: number,
): Outcome<{ node: string; itemId: string; created: boolean }> {
  const s = core.settings;
  const who = bare(from);
  // §7.1.3.1: insufficient privileges -> forbidden (also users outside the allowed domains)
  if (!inAllowedDomain(s, from)) return fail("forbidden", undefined, "your domain may not use this service");
  const limited = rateLimit(core, who, now);
  if (limited) return limited;
  const name = req.node === OWN_NODE ? who : normaliseBare(req.node);
  if (req.node === LOCATIONS || req.node === PRESENCE)
    return fail("forbidden", undefined, `only the service publishes to ${req.node}`);
  if (name === undefined)
    return fail("item-not-found", undefined, "personal nodes are named by their owner's bare JID");
  const existing = core.state.nodes.get(name);
  // §7.1.3.1: not a publisher -> forbidden; the same answer whether or not the node exists
  if (existing ? !mayPublish(s, from, existing) : name !== who) return fail("forbidden");
  // §7.1.3.6: a persistent node requires an item with a payload
  if (!req.payload) return fail("bad-request", "item-required");
  const p = req.payload;
  // §7.1.3.5: exactly one payload element, in the node's namespace
  if (p.count !== 1 || !p.namespaceOk)
    return fail(
      "bad-request",
      "invalid-payload",
      "the item must hold exactly one <geoloc xmlns='http://jabber.org/protocol/geoloc'/>",
    );
  // §7.1.3.4
  if (p.bytes > s.maxPayloadBytes)
    return fail("not-acceptable", "payload-too-big", `payload is ${p.bytes} bytes; the limit is ${s.maxPayloadBytes}`);
  const checked = validateGeoloc(p.entries, now, p.lang);
  if (!checked.ok) return fail("bad-request", "invalid-payload", checked.reason);
  if (req.itemId !== undefined && (req.itemId.length === 0 || req.itemId.length > 256))
    return fail("bad-request", "invalid-payload", "item id must be 1-256 characters");

  // §7.1.5: each field is a precondition on the node configuration field of the same name; an unknown field or an
  // unsupported value is refused (protocol/node-config.ts); on an existing node every precondition must hold, a new
  // node is created with them
  const wanted = req.options ?? ok([]);
  if (!wanted.ok) return wanted;
  const differs = existing ? unmet(existing.config, wanted.value) : [];
  if (differs.length)
    return fail(
      "conflict",
      "precondition-not-met",
      `the node's ${differs.join(", ")} differ${differs.length === 1 ? "s" : ""} from the publish-options`,
    );

  const config = existing?.config ?? { ...s.defaults, ...merged(wanted.value) };
  // The exact fix is stored; each viewer is sent its own view of it (precision.ts)
  const item: Item = { id: req.itemId ?? core.newId(), publisher: who, geoloc: checked.geoloc, published: now };
  const changes: Change[] = existing ? [] : [{ kind: "createNode", node: name, config }];
  changes.push({ kind: "putItem", node: name, item, maxItems: config.maxItems });
  // a new publisher whose presence we already know appears on node `presence`
  const known = existing ? undefined : currentPresence(core, name, now);
  if (known) changes.push({ kind: "savePresence", presence: known });
  core.commit(changes);
  const notifications: Notification[] = known ? presenceNotifications(core, known) : [];
  notifications.push(...core.notifyNode(core.state.nodes.get(name)!, { kind: "item", node: name, item }));
  return ok({ node: name, itemId: item.id, created: !existing, changes, notifications });
}

/**
 * XEP-0060 §4.1 / RFC 6120 §8.3.3.12: a publisher over its rate gets policy-violation of type `wait` (the policy is
 * temporary: retrying later works) with the limit in <text/>. Every publish attempt counts, refused ones too.
 */
function rateLimit(core: Core, who: string, now: number): { ok: false; error: ServiceError } | undefined {
  const limit = core.settings.rate;
  if (!(limit.perSecond > 0)) return undefined;
  const t = take(limit, core.state.buckets.get(who), now);
  core.state.buckets.set(who, t.bucket);
  if (t.allowed) return undefined;
  return {
    ok: false,
    error: {
      condition: "policy-violation",
      type: "wait",
      text:
        `rate limit: at most ${limit.perSecond} publishes per second (burst ${limit.burst}); ` +
        `retry in ${t.retryAfterMs} ms`,
    },
  };
}
