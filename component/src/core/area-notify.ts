// What area subscribers (geo#bbox on `locations` / `presence`) are told. Pure.
//
// Per area subscription the service remembers which publishers it has told the subscriber about (inside) and, for
// `locations`, the id of the item it last told. A publisher's event is then:
// - `locations`: an item whose fix (as that viewer sees it: viewerPosition) is inside -> the item (entering or
//   moving inside); a stop-sharing of a publisher inside -> the stop item (its marker goes); a fix outside of a
//   publisher inside -> leaving, told once as <retract id='the item last told'/> on the publisher's node, which a
//   standard client handles as "that item is gone"; anything about a publisher outside -> nothing. Retractions,
//   purges and deletions reach the subscriber only for publishers inside.
// - `presence`: the same set: a publisher entering the box brings its current presence item, leaving it is
//   <retract id='publisher'/> on node `presence`; presence changes reach the subscriber only for publishers inside.
// - changing the area (options set) or subscribing with one: the newly inside publishers' latest items (replayed,
//   with <delay/>, as <items node='locations'>) or presence items, and a leave for each publisher no longer inside.
import { inArea, positionOf, PositionIndex, viewerPosition, type BBox } from "./area.ts";
import { viewFor } from "./precision.ts";
import { maySee } from "./access.ts";
import { isStop } from "./geoloc.ts";
import type { Event, Notification, PersonalNode, Subscription } from "./model.ts";
import { LOCATIONS, PRESENCE } from "./nodes.ts";
import type { State } from "./state.ts";

/** What the area views need of the service (an interface, so the service can hold them without an import cycle). */
export interface AreaHost {
  readonly state: State;
  view(
    viewer: string,
    name: string,
  ): { kind: "personal"; node: PersonalNode } | { kind: "locations" | "presence" } | undefined;
}

interface Members {
  subid: string;
  inside: Map<string, string>;
}

export class AreaViews {
  readonly index = new PositionIndex();
  private members = new Map<string, Members>();

  constructor(private readonly svc: AreaHost) {
    for (const n of svc.state.nodes.values()) this.index.set(n.name, svc.state.latest(n));
  }

  /** nodes shared coarsely (their viewers' positions are cells, not the indexed fixes) */
  private *coarseNodes(): Iterable<string> {
    for (const n of this.svc.state.nodes.values()) if (n.config.coarseKm > 0) yield n.name;
  }

  /** the publishers told to `sub` (publisher -> item id last told; "" on `presence`) */
  private told(sub: Subscription): Map<string, string> {
    const key = `${sub.node}\n${sub.jid}`;
    let m = this.members.get(key);
    if (!m || m.subid !== sub.subid) this.members.set(key, (m = { subid: sub.subid, inside: new Map() }));
    return m.inside;
  }

  /** Forgets what ended subscriptions were told. */
  private sweep(): void {
    for (const [key, m] of this.members) {
      const [node, jid] = key.split("\n");
      if (this.svc.state.subscriptions.get(node)?.get(jid)?.subid !== m.subid) this.members.delete(key);
    }
  }

  /** Whether a presence change of `publisher` reaches `sub` (no area: always). */
  presenceReaches(sub: Subscription, publisher: string): boolean {
    return !sub.options?.area || this.told(sub).has(publisher);
  }

  /**
   * An event on a personal node, for the `locations` subscriptions with an area that the node's own subscription did
   * not serve (`areaSubs`, found by the caller's loop over the subscribers), and for `presence` ones with an area.
   */
  onNodeEvent(node: PersonalNode, event: Event, areaSubs: readonly Subscription[]): Notification[] {
    const subs = this.svc.state.subscriptions;
    const latest = event.kind === "delete" ? undefined : this.svc.state.latest(node);
    this.index.set(node.name, latest);
    const out: Notification[] = [];
    const who = node.name;
    for (const sub of areaSubs) {
      const box = sub.options?.area;
      if (!box || !maySee(this.svc.state.settings, sub.jid, node)) continue;
      const m = this.told(sub);
      const told = m.get(who);
      const inside = inArea(box, viewerPosition(node, sub.jid, latest));
      if (event.kind === "item") {
        const seen = viewFor(node, sub.jid, event.item); // precision per viewer; none after share_until
        if (inside && seen) {
          out.push({ to: sub.jid, event: seen === event.item ? event : { ...event, item: seen } });
          m.set(who, event.item.id);
          continue;
        }
        if (told === undefined) continue;
        m.delete(who);
        out.push({
          to: sub.jid,
          event:
            isStop(event.item.geoloc) && seen
              ? { ...event, item: seen }
              : { kind: "retract", node: who, ids: [told], leave: true },
        });
        continue;
      }
      if (told === undefined) continue;
      out.push({ to: sub.jid, event });
      if (event.kind !== "retract" || event.ids.includes(told) || !inside) m.delete(who);
    }
    for (const sub of subs.get(PRESENCE)?.values() ?? []) {
      const box = sub.options?.area;
      if (!box || !maySee(this.svc.state.settings, sub.jid, node)) continue;
      const m = this.told(sub);
      const inside = event.kind !== "delete" && inArea(box, viewerPosition(node, sub.jid, latest));
      if (inside === m.has(who)) continue;
      if (inside) {
        m.set(who, "");
        const p = this.svc.state.presence.get(who);
        if (p) out.push({ to: sub.jid, event: { kind: "presence", presence: p } });
      } else {
        m.delete(who);
        // a deleted node's presence retraction goes to every presence subscriber already (core/owner.ts)
        if (event.kind !== "delete") out.push({ to: sub.jid, event: { kind: "presence-retract", jid: who } });
      }
    }
    return out;
  }

  /** `sub` now has the area `box` (or none): who enters, who leaves. */
  rearea(sub: Subscription, box: BBox | undefined): Notification[] {
    const m = this.told(sub);
    const out: Notification[] = [];
    const now = new Map<string, string>();
    // no area any more: every visible publisher is newly visible
    // the index holds exact fixes: a coarse node's cell may be inside where its fix is not, so those are checked too
    const candidates = box ? new Set([...this.index.within(box), ...this.coarseNodes()]) : this.svc.state.nodes.keys();
    for (const name of candidates) {
      const v = this.svc.view(sub.jid, name);
      if (v?.kind !== "personal") continue;
      const latest = this.svc.state.latest(v.node);
      const seen = latest && viewFor(v.node, sub.jid, latest);
      if (latest && seen && (box ? inArea(box, positionOf(seen)) : !isStop(seen.geoloc)))
        now.set(name, sub.node === PRESENCE ? "" : latest.id);
    }
    if (this.members.size > 1000 + 2 * this.svc.state.subscriptions.size) this.sweep();
    for (const [who, told] of m) {
      if (now.has(who) || !box) continue;
      if (!this.svc.view(sub.jid, who)) continue; // not visible any more: nothing to say about it
      out.push({
        to: sub.jid,
        event:
          sub.node === PRESENCE
            ? { kind: "presence-retract", jid: who }
            : { kind: "retract", node: who, ids: [told], leave: true },
      });
    }
    for (const [who, id] of now) {
      if (m.get(who) === id) continue;
      if (sub.node === PRESENCE) {
        const p = this.svc.state.presence.get(who);
        if (p) out.push({ to: sub.jid, event: { kind: "presence", presence: p } });
      } else {
        const node = this.svc.state.nodes.get(who)!;
        const item = viewFor(node, sub.jid, this.svc.state.latest(node)!)!; // checked above
        out.push({ to: sub.jid, event: { kind: "item", node: LOCATIONS, item }, delayed: true });
      }
    }
    m.clear();
    if (box) for (const [k, v] of now) m.set(k, v);
    else this.members.delete(`${sub.node}\n${sub.jid}`);
    return out;
  }
}
