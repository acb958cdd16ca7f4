// The geolocation pubsub service: every user-facing operation, values in, values out.
// Node layout and rules: component/PROTOCOL.md. Spec references are to XEP-0060 unless said otherwise.
import { inAllowedDomain, mayPublish, mayRequest, maySee } from "./access.ts";
import { pendingRequests, requestAuthorization, withdraw } from "./authorize.ts";
import { merged, unmet, type ConfigChange } from "./config.ts";
import { fail, ok, type Result, type ServiceError } from "./errors.ts";
import { validateGeoloc, type GeolocEntry } from "./geoloc.ts";
import { bare, normaliseBare } from "./jid.ts";
import { type Event, Item, Notification, PersonalNode, Subscription } from "./model.ts";
import { splitResource, type PublisherPresence, type Show } from "./presence.ts";
import { LOCATIONS, OWN_NODE, PRESENCE, type NodeView } from "./nodes.ts";
import type { Core, Outcome } from "./context.ts";
import { viewFor } from "./precision.ts";
import { readItems, type ItemsResult } from "./items.ts";
import { take } from "./rate.ts";
import { State, type Settings } from "./state.ts";
import { applyOptionsForm, areaAllowed, DEFAULT_OPTIONS, optionsOf, storedOptions } from "./sub-options.ts";
import type { Store } from "./store.ts";

import { AreaViews } from "./area-notify.ts";

export { LOCATIONS, OWN_NODE, PRESENCE, type NodeView } from "./nodes.ts";
export type { Outcome } from "./context.ts";

export interface PublishRequest {
  node: string;
  itemId?: string;
  /** undefined: the <publish/> had no <item/> or the item no payload */
  payload?: { entries: GeolocEntry[]; lang?: string; bytes: number; namespaceOk: boolean; count: number };
  /** XEP-0060 §7.1.5 publish-options: the submitted form, read (protocol/node-config.ts) */
  options?: ConfigChange;
}

export class GeoService implements Core {
  readonly state: State;
  /** area subscriptions (geo#bbox): who each was told about, and the index of positions */
  readonly areas: AreaViews;

  constructor(store: Store, settings: Settings, readonly newId: () => string) {
    this.state = new State(store, settings);
    this.areas = new AreaViews(this);
  }

  get settings(): Settings { return this.state.settings; }

  /** The node as `viewer` may know it; undefined both when it does not exist and when it may not be seen. */
  view(viewer: string, name: string): NodeView | undefined {
    if (!inAllowedDomain(this.settings, viewer)) return undefined;
    if (name === LOCATIONS) return { kind: "locations" };
    if (name === PRESENCE) return { kind: "presence" };
    const key = normaliseBare(name);
    const node = key === undefined ? undefined : this.state.nodes.get(key);
    return node && maySee(this.settings, viewer, node) ? { kind: "personal", node } : undefined;
  }

  /** Personal nodes `viewer` may see. */
  visibleNodes(viewer: string): PersonalNode[] {
    if (!inAllowedDomain(this.settings, viewer)) return [];
    return [...this.state.nodes.values()].filter((n) => maySee(this.settings, viewer, n));
  }

  // §7.1 Publish an item to a node (PEP-style: the own node is auto-created, XEP-0163 §4.3.1).
  publish(from: string, req: PublishRequest, now: number): Outcome<{ node: string; itemId: string; created: boolean }> {
    const s = this.settings;
    const who = bare(from);
    // §7.1.3.1: insufficient privileges -> forbidden (also users outside the allowed domains)
    if (!inAllowedDomain(s, from)) return fail("forbidden", undefined, "your domain may not use this service");
    const limited = this.rateLimit(who, now);
    if (limited) return limited;
    const name = req.node === OWN_NODE ? who : normaliseBare(req.node);
    if (req.node === LOCATIONS || req.node === PRESENCE) return fail("forbidden", undefined, `only the service publishes to ${req.node}`);
    if (name === undefined) return fail("item-not-found", undefined, "personal nodes are named by their owner's bare JID");
    const existing = this.state.nodes.get(name);
    // §7.1.3.1: not a publisher -> forbidden; the same answer whether or not the node exists
    if (existing ? !mayPublish(s, from, existing) : name !== who) return fail("forbidden");
    // §7.1.3.6: a persistent node requires an item with a payload
    if (!req.payload) return fail("bad-request", "item-required");
    const p = req.payload;
    // §7.1.3.5: exactly one payload element, in the node's namespace
    if (p.count !== 1 || !p.namespaceOk) return fail("bad-request", "invalid-payload", "the item must hold exactly one <geoloc xmlns='http://jabber.org/protocol/geoloc'/>");
    // §7.1.3.4
    if (p.bytes > s.maxPayloadBytes) return fail("not-acceptable", "payload-too-big", `payload is ${p.bytes} bytes; the limit is ${s.maxPayloadBytes}`);
    const checked = validateGeoloc(p.entries, now, p.lang);
    if (!checked.ok) return fail("bad-request", "invalid-payload", checked.reason);
    if (req.itemId !== undefined && (req.itemId.length === 0 || req.itemId.length > 256)) return fail("bad-request", "invalid-payload", "item id must be 1-256 characters");

    // §7.1.5: each field is a precondition on the node configuration field of the same name; an unknown field or an
    // unsupported value is refused (protocol/node-config.ts); on an existing node every precondition must hold, a new
    // node is created with them
    const wanted = req.options ?? ok([]);
    if (!wanted.ok) return wanted;
    const differs = existing ? unmet(existing.config, wanted.value) : [];
    if (differs.length) return fail("conflict", "precondition-not-met", `the node's ${differs.join(", ")} differ${differs.length === 1 ? "s" : ""} from the publish-options`);

    const notifications: Notification[] = [];
    let node = existing;
    const config = node?.config ?? { ...s.defaults, ...merged(wanted.value) };
    // The exact fix is stored; each viewer is sent its own view of it (precision.ts)
    const item: Item = { id: req.itemId ?? this.newId(), publisher: who, geoloc: checked.geoloc, published: now };
    // durable first, in one transaction: if the store fails, nothing is written and memory is untouched
    this.state.store.atomically(() => {
      if (!existing) this.state.store.createNode(name, config);
      this.state.store.putItem(name, item, config.maxItems);
    });
    if (!node) {
      node = { name, config, affiliations: new Map(), items: [] };
      this.state.nodes.set(name, node);
      // a new publisher whose presence we already know appears on node `presence`
      const known = this.currentPresence(name, now);
      if (known) notifications.push(...this.presenceChanged(known));
    }
    node.items = node.items.filter((i) => i.id !== item.id);
    node.items.push(item);
    if (node.items.length > node.config.maxItems) node.items.splice(0, node.items.length - node.config.maxItems);
    notifications.push(...this.notifyNode(node, { kind: "item", node: name, item }));
    return ok({ node: name, itemId: item.id, created: !existing, notifications });
  }

  /**
   * Recipients of an event on a personal node: its subscribers and those of `locations`, each once, if they may see
   * it; an item as each of them sees it (precision.ts), one event object per view so that it is serialised once.
   */
  notifyNode(node: PersonalNode, event: Event): Notification[] {
    const out: Notification[] = [];
    const seen = new Set<string>();
    const views = new Map<Item, Event>();
    const inAreas: Subscription[] = [];
    for (const subs of [this.state.subscriptions.get(node.name), this.state.subscriptions.get(LOCATIONS)]) {
      if (!subs) continue;
      for (const [jid, sub] of subs) {
        if (sub.options?.area) { inAreas.push(sub); continue; }
        if (seen.has(jid) || !maySee(this.settings, jid, node)) continue;
        seen.add(jid);
        if (event.kind !== "item") { out.push({ to: jid, event }); continue; }
        const item = viewFor(node, jid, event.item);
        if (item) out.push({ to: jid, event: itemEvent(views, event, item) }); // none after share_until
      }
    }
    // subscriptions with an area (core/area-notify.ts), unless the node's own subscription served them
    for (const n of this.areas.onNodeEvent(node, event, inAreas.filter((s) => !seen.has(s.jid)))) out.push(n);
    return out;
  }

  // §6.5 Retrieve items (core/items.ts)
  items(from: string, name: string, ids: string[] | undefined, max: number | undefined): Result<ItemsResult> {
    return readItems(this, from, name, ids, max);
  }

  /**
   * XEP-0060 §4.1 / RFC 6120 §8.3.3.12: a publisher over its rate gets policy-violation of type `wait` (the policy is
   * temporary: retrying later works) with the limit in <text/>. Every publish attempt counts, refused ones too.
   */
  private rateLimit(who: string, now: number): { ok: false; error: ServiceError } | undefined {
    const limit = this.settings.rate;
    if (!(limit.perSecond > 0)) return undefined;
    const t = take(limit, this.state.buckets.get(who), now);
    this.state.buckets.set(who, t.bucket);
    if (t.allowed) return undefined;
    return { ok: false, error: { condition: "policy-violation", type: "wait", text: `rate limit: at most ${limit.perSecond} publishes per second (burst ${limit.burst}); retry in ${t.retryAfterMs} ms` } };
  }

  // §6.1 Subscribe. A full JID that is available to the service gets a temporary subscription (§12.5).
  // §6.3.7: `form` = the subscription options submitted in the same <pubsub/> (var -> value)
  subscribe(from: string, name: string, jid: string, form?: Record<string, string>): Outcome<{ subscription: Subscription; state: "subscribed" | "pending" }> {
    // §6.1.3.1: the subscribed JID must be the requester's (bare or full)
    if (bare(jid) !== bare(from)) return fail("bad-request", "invalid-jid");
    const v = this.view(from, name);
    if (!v) {
      // §6.1.6: an authorize node the requester may not see yet: the request waits for the owner
      const key = normaliseBare(name);
      const node = key === undefined ? undefined : this.state.nodes.get(key);
      if (node && mayRequest(this.settings, from, node)) {
        // a pending request keeps no options: refused rather than dropped (component/PROTOCOL.md "Errors")
        if (form) return fail("not-acceptable", undefined, "subscription options are set once the owner approved (XEP-0060 §6.3.5)");
        return requestAuthorization(this, node, jid);
      }
      return fail("item-not-found"); // §6.1.3.12, and for invisible nodes
    }
    const nodeName = v.kind === "personal" ? v.node.name : name;
    const existing = this.state.subscriptions.get(nodeName)?.get(jid);
    const options = form ? applyOptionsForm(existing ? optionsOf(existing) : DEFAULT_OPTIONS, form) : undefined;
    if (options && !options.ok) return options; // nothing changes
    if (options && !areaAllowed(nodeName, options.value)) return fail("not-acceptable", undefined, "geo#bbox is an option of locations and presence");
    let subscription = existing ?? { node: nodeName, jid, subid: this.newId(), temporary: jid.includes("/") && this.state.resources.isAvailable(jid) };
    if (options) {
      const { options: _old, ...rest } = subscription;
      const stored = storedOptions(options.value);
      subscription = stored ? { ...rest, options: stored } : rest;
    }
    if (subscription !== existing) this.state.addSubscription(subscription);
    const notifications: Notification[] = [];
    // an area, new or changed: the publishers inside arrive, those outside it now leave
    const area = subscription.options?.area;
    if (area ? JSON.stringify(area) !== JSON.stringify(existing?.options?.area) : existing?.options?.area) notifications.push(...this.areas.rearea(subscription, area));
    // §6.1.7: send the last published item (pubsub#send_last_published_item = on_sub) of a personal node
    if (v.kind === "personal") {
      const latest = this.state.latest(v.node);
      const last = latest && viewFor(v.node, jid, latest);
      if (last) notifications.push({ to: jid, event: { kind: "item", node: nodeName, item: last }, delayed: true });
    }
    return ok({ subscription, state: "subscribed", notifications });
  }

  // §6.2 Unsubscribe
  unsubscribe(from: string, name: string, jid: string): Result<null> {
    const v = this.view(from, name);
    if (!v) return withdraw(this, from, name, jid) ?? fail("item-not-found"); // §6.2.3.4
    if (bare(jid) !== bare(from)) return fail("forbidden"); // §6.2.3.3
    const nodeName = v.kind === "personal" ? v.node.name : name;
    if (!this.state.subscriptions.get(nodeName)?.has(jid)) return fail("unexpected-request", "not-subscribed"); // §6.2.3.2
    this.state.removeSubscription(nodeName, jid);
    return ok(null);
  }

  // §5.6 Retrieve subscriptions (the requester's own, on nodes it may still see)
  subscriptionsOf(from: string, name?: string): Result<Subscription[]> {
    if (!inAllowedDomain(this.settings, from)) return fail("forbidden");
    const who = bare(from);
    const out: Subscription[] = [];
    for (const [node, subs] of this.state.subscriptions) {
      if (name !== undefined && node !== name) continue;
      if (!this.view(from, node)) continue;
      for (const s of subs.values()) if (bare(s.jid) === who) out.push(s);
    }
    return ok(out);
  }

  /**
   * A presence stanza from a user (RFC 6121): directed presence or a presence subscription's broadcast.
   * Returns what viewers must be told; temporary subscriptions of a resource that went offline end (§12.5).
   */
  presence(from: string, available: boolean, show: Show | undefined, priority: number, now: number): Notification[] {
    const [who, resource = ""] = splitResource(from);
    // §8.6: requests that reached the owner while it was away are asked again in each session that comes online
    const ask = available && !this.state.resources.isAvailable(from) ? pendingRequests(this, who, from) : [];
    const { before, after, wentOffline } = this.state.resources.apply(who, resource, available, show, priority);
    // §12.5: a full JID that went offline ends its temporary subscriptions, also those this instance adopted from
    // another (several instances: its resource table never saw that JID come online)
    if (!available && resource) wentOffline.push(`${who}/${resource}`);
    for (const full of new Set(wentOffline)) {
      for (const [node, subs] of [...this.state.subscriptions]) {
        if (subs.get(full)?.temporary) this.state.removeSubscription(node, full);
      }
    }
    if (!this.state.nodes.has(who)) return ask;
    const known = this.state.presence.has(who);
    if (known && before.online === after.online && before.show === after.show) return ask;
    return ask.concat(this.presenceChanged({ jid: who, online: after.online, ...(after.show && { show: after.show }), since: now }));
  }

  private currentPresence(who: string, now: number): PublisherPresence | undefined {
    const full = this.state.resources.resourcesOf(who);
    if (!full.length) return undefined;
    const agg = this.state.resources.summary(who);
    return { jid: who, online: agg.online, ...(agg.show && { show: agg.show }), since: now };
  }

  /** Records a publisher's new presence and tells the `presence` subscribers who may see the publisher. */
  presenceChanged(p: PublisherPresence): Notification[] {
    this.state.presence.set(p.jid, p);
    this.state.store.savePresence?.(p);
    const node = this.state.nodes.get(p.jid);
    const subs = this.state.subscriptions.get(PRESENCE);
    if (!node || !subs) return [];
    const out: Notification[] = [];
    for (const [jid, sub] of subs) {
      if (maySee(this.settings, jid, node) && this.areas.presenceReaches(sub, p.jid)) out.push({ to: jid, event: { kind: "presence", presence: p } });
    }
    return out;
  }

  /** Every full JID the service believes available (to confirm after a reconnect). */
  availableResources(): string[] {
    return this.state.resources.available();
  }

  /** Full JIDs holding a temporary subscription (§12.5) that no presence has shown available (after a restart). */
  unconfirmedTemporary(): string[] {
    const out = new Set<string>();
    for (const subs of this.state.subscriptions.values()) {
      for (const s of subs.values()) if (s.temporary && !this.state.resources.isAvailable(s.jid)) out.add(s.jid);
    }
    return [...out];
  }

  /** Bare JIDs of every publisher (to probe after a (re)connect). */
  publishers(): string[] {
    return [...this.state.nodes.keys()];
  }
}

/** The item event carrying `item` (one object per distinct view of the same event). */
function itemEvent(views: Map<Item, Event>, event: Extract<Event, { kind: "item" }>, item: Item): Event {
  if (item === event.item) return event;
  let e = views.get(item);
  if (!e) views.set(item, (e = { ...event, item }));
  return e;
}
