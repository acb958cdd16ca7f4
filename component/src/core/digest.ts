// Digests (XEP-0060 §6.3, pubsub#digest / pubsub#digest_frequency): the notifications of a digest subscription are
// gathered per (subscription, publisher) and leave together, at most one digest per `digestFrequency` ms. Pure:
// the shell feeds released notifications (after the group commit) to route() and calls due() from one timer.
//
// Exact rules (also in the README's protocol section):
// - a location digest is item notifications of the subscription's node (`locations`: <items node='locations'>,
//   whose items each carry id and publisher, as the items result of `locations` does), so the outbox writes it as
//   one message per node (split at 64 KiB): per publisher only the newest item, after an empty <geoloc/> (stop
//   sharing) that came before it in the period;
// - retractions, purges and deletions of the period are never conflated away: they leave first, as their own
//   events (delete, purge, retract), then the items; a later publish supersedes only what came before it, so the
//   viewer ends the period knowing what an items query would tell it;
// - a presence digest holds the newest presence item of each publisher that changed; a presence retraction
//   (the publisher's node was deleted) leaves before it;
// - at flush, publishers the viewer may no longer see are left out (deletions excepted: they only end what the
//   viewer was already shown); a subscription that ended (unsubscribe, temporary) takes its pending digest with it;
// - the first digest after a quiet spell leaves at the next tick; then at most one per digestFrequency
//   (XEP-0060: "the minimum number of milliseconds between sending any two notification digests"); 0 = one per
//   flush of the outbox, no timer;
// - replayed state (the last item on subscribe, <delay/>) and subscription-state messages are never digested;
// - an area subscription's "left the area" (core/area-notify.ts) becomes a retraction of the item the digests
//   last delivered for that publisher, so the marker goes even when the period conflated the items in between.
import { isStop } from "./geoloc.ts";
import type { Event, Item, Notification, Subscription } from "./model.ts";
import type { PublisherPresence } from "./presence.ts";
import { LOCATIONS, PRESENCE } from "./nodes.ts";
import type { GeoService } from "./service.ts";
import { optionsOf } from "./sub-options.ts";

interface Pending {
  /** an area subscription's publisher left the area (core/area-notify.ts), and the id the core last told */
  left: boolean;
  leftIds?: string[];
  deleted: boolean;
  purged: boolean;
  retracted: string[];
  stop?: Item;
  item?: Item;
  presenceRetracted: boolean;
  presence?: PublisherPresence;
}

interface Buffer {
  sub: Subscription;
  lastSent: number;
  /** publisher bare JID -> what the period brought, in first-change order */
  pending: Map<string, Pending>;
  /** area subscriptions: publisher -> the id of the item the last digest delivered (a leave retracts that one) */
  delivered: Map<string, string>;
}

const empty = (): Pending => ({ left: false, deleted: false, purged: false, retracted: [], presenceRetracted: false });

export class Digests {
  /** `${node}\n${jid}` of a subscription -> its buffer (kept while the subscription lives: lastSent matters) */
  private buffers = new Map<string, Buffer>();
  /** buffers holding something */
  private dirty = new Set<Buffer>();

  constructor(private readonly svc: GeoService) {}

  /** The subscription a notification reaches its recipient through (a node's own before `locations`). */
  private subscriptionOf(n: Notification): Subscription | undefined {
    const svc = this.svc;
    const e = n.event;
    switch (e.kind) {
      case "presence":
      case "presence-retract":
        return svc.subscription(PRESENCE, n.to);
      case "item":
      case "retract":
      case "purge":
      case "delete":
        return svc.subscription(e.node, n.to) ?? svc.subscription(LOCATIONS, n.to);
      default:
        return undefined;
    }
  }

  /** The notifications to send now; digest ones are kept, pubsub#deliver false ones dropped. */
  route(batch: readonly Notification[]): { now: Notification[]; immediate: boolean } {
    const now: Notification[] = [];
    let immediate = false;
    for (const n of batch) {
      const sub = n.delayed ? undefined : this.subscriptionOf(n);
      const o = sub && optionsOf(sub);
      if (!o || (o.deliver && !o.digest)) {
        now.push(n);
        continue;
      }
      if (!o.deliver) continue; // §6.3: pubsub#deliver false: no notifications
      const b = this.bufferOf(sub!);
      this.absorb(b, n.event);
      this.dirty.add(b);
      if (o.digestFrequency === 0) immediate = true;
    }
    return { now, immediate };
  }

  /** When the next digest is due (epoch ms), or undefined when nothing waits. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const b of this.dirty) {
      const at = b.lastSent + optionsOf(b.sub).digestFrequency;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** The digests due at `now` (a subscription whose digest was turned off flushes at once). */
  due(now: number): Notification[] {
    const out: Notification[] = [];
    const events = new Map<Item | PublisherPresence, Event>();
    for (const b of [...this.dirty]) {
      const current = this.svc.subscription(b.sub.node, b.sub.jid);
      // ended (or ended and made again: another subid): what it gathered goes with it
      if (!current || current.subid !== b.sub.subid) {
        this.drop(b);
        continue;
      }
      b.sub = current; // options set since: the same subscription, new values
      const o = optionsOf(current);
      if (o.digest && o.deliver && now - b.lastSent < o.digestFrequency) continue;
      this.flush(b, o.deliver, out, events);
      b.lastSent = now;
    }
    if (this.buffers.size > 1000 + 2 * this.dirty.size) this.sweep();
    return out;
  }

  /** Forgets the buffers of subscriptions that ended (temporary subscriptions come and go with every map tab). */
  private sweep(): void {
    for (const b of this.buffers.values()) {
      if (this.svc.subscription(b.sub.node, b.sub.jid)?.subid !== b.sub.subid) this.drop(b);
    }
  }

  private drop(b: Buffer): void {
    this.dirty.delete(b);
    const key = `${b.sub.node}\n${b.sub.jid}`;
    if (this.buffers.get(key) === b) this.buffers.delete(key);
  }

  private bufferOf(sub: Subscription): Buffer {
    const key = `${sub.node}\n${sub.jid}`;
    let b = this.buffers.get(key);
    if (b && b.sub.subid !== sub.subid) {
      this.drop(b);
      b = undefined;
    }
    if (!b) this.buffers.set(key, (b = { sub, lastSent: -Infinity, pending: new Map(), delivered: new Map() }));
    b.sub = sub;
    return b;
  }

  private absorb(b: Buffer, e: Event): void {
    const who =
      e.kind === "item"
        ? e.item.publisher
        : e.kind === "presence"
          ? e.presence.jid
          : e.kind === "presence-retract"
            ? e.jid
            : (e as { node: string }).node;
    let p = b.pending.get(who);
    if (!p) b.pending.set(who, (p = empty()));
    switch (e.kind) {
      case "item":
        p.left = false;
        p.retracted = p.retracted.filter((id) => id !== e.item.id);
        if (isStop(e.item.geoloc)) {
          p.stop = e.item;
          p.item = undefined;
        } else p.item = e.item;
        break;
      case "retract":
        if (e.leave) {
          Object.assign(p, { left: true, leftIds: e.ids, stop: undefined, item: undefined });
          break;
        }
        for (const id of e.ids) {
          if (p.item?.id === id) p.item = undefined;
          if (p.stop?.id === id) p.stop = undefined;
          if (!p.retracted.includes(id)) p.retracted.push(id);
        }
        break;
      case "purge":
        Object.assign(p, { purged: true, retracted: [], stop: undefined, item: undefined });
        break;
      case "delete":
        Object.assign(p, { deleted: true, purged: false, retracted: [], stop: undefined, item: undefined });
        break;
      case "presence":
        p.presence = e.presence;
        break;
      case "presence-retract":
        Object.assign(p, { presenceRetracted: true, presence: undefined });
        break;
    }
  }

  /** Appends the buffer's digest (unless `deliver` is off) and empties it. */
  private flush(b: Buffer, deliver: boolean, out: Notification[], events: Map<Item | PublisherPresence, Event>): void {
    this.dirty.delete(b);
    const pending = [...b.pending];
    b.pending.clear();
    if (!deliver) return;
    const to = b.sub.jid;
    const node = b.sub.node;
    const visible = (who: string) => this.svc.view(to, who)?.kind === "personal";
    const shared = (key: Item | PublisherPresence, make: () => Event) => {
      let e = events.get(key);
      if (!e || (e.kind === "item" && e.node !== node)) events.set(key, (e = make()));
      return e;
    };
    for (const [who, p] of pending) if (p.deleted) out.push({ to, event: { kind: "delete", node: who } });
    for (const [who, p] of pending)
      if (p.presenceRetracted) out.push({ to, event: { kind: "presence-retract", jid: who } });
    for (const [who, p] of pending) if (p.purged && visible(who)) out.push({ to, event: { kind: "purge", node: who } });
    for (const [who, p] of pending)
      if (p.retracted.length && visible(who)) out.push({ to, event: { kind: "retract", node: who, ids: p.retracted } });
    for (const [who, p] of pending) {
      if (!p.left) continue;
      // leaving an area: the item this subscriber holds goes, whichever later ones the period conflated
      const held = b.delivered.has(who) ? [b.delivered.get(who)!] : p.leftIds;
      b.delivered.delete(who);
      if (held?.length && visible(who)) out.push({ to, event: { kind: "retract", node: who, ids: held, leave: true } });
    }
    for (const [who, p] of pending) {
      if ((!p.stop && !p.item && !p.presence) || !visible(who)) continue;
      for (const item of [p.stop, p.item])
        if (item)
          out.push({
            to,
            event: shared(item, () => ({ kind: "item", node: node === PRESENCE ? LOCATIONS : node, item })),
          });
      const last = p.item ?? p.stop;
      if (last && b.sub.options?.area) b.delivered.set(who, last.id);
      if (p.presence) {
        const pr = p.presence;
        out.push({ to, event: shared(pr, () => ({ kind: "presence", presence: pr })) });
      }
    }
  }
}
