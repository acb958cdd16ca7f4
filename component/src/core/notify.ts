// Who is told what about a personal node: the live notifications of an event, and the replay of the last item.
import { maySee } from "./access.ts";
import type { Core } from "./context.ts";
import type { Event, Item, Notification, PersonalNode, Subscription } from "./model.ts";
import { LOCATIONS } from "./nodes.ts";
import { viewFor } from "./precision.ts";

/**
 * Recipients of an event on a personal node: its subscribers and those of `locations`, each once, if they may see
 * it; an item as each of them sees it (precision.ts), one event object per view so that it is serialised once.
 */
export function notifyNode(core: Core, node: PersonalNode, event: Event): Notification[] {
  const out: Notification[] = [];
  const seen = new Set<string>();
  const views = new Map<Item, Event>();
  const inAreas: Subscription[] = [];
  for (const subs of [core.state.subscriptions.get(node.name), core.state.subscriptions.get(LOCATIONS)]) {
    if (!subs) continue;
    for (const [jid, sub] of subs) {
      if (sub.options?.area) {
        inAreas.push(sub);
        continue;
      }
      if (seen.has(jid) || !maySee(core.settings, jid, node)) continue;
      seen.add(jid);
      if (event.kind !== "item") {
        out.push({ to: jid, event });
        continue;
      }
      const item = viewFor(node, jid, event.item);
      if (item) out.push({ to: jid, event: itemEvent(views, event, item) }); // none after share_until
    }
  }
  // subscriptions with an area (core/area-notify.ts), unless the node's own subscription served them
  for (const n of core.areas.onNodeEvent(
    node,
    event,
    inAreas.filter((s) => !seen.has(s.jid)),
  ))
    out.push(n);
  return out;
}

/** The item event carrying `item` (one object per distinct view of the same event). */
function itemEvent(views: Map<Item, Event>, event: Extract<Event, { kind: "item" }>, item: Item): Event {
  if (item === event.item) return event;
  let e = views.get(item);
  if (!e) views.set(item, (e = { ...event, item }));
  return e;
}

/** XEP-0060 §6.1.7 (send_last_published_item on_sub): the node's last item as `jid` sees it, with <delay/>. */
export function replayLast(core: Core, node: PersonalNode, jid: string): Notification[] {
  const latest = core.state.latest(node);
  const item = latest && viewFor(node, jid, latest);
  return item ? [{ to: jid, event: { kind: "item", node: node.name, item }, delayed: true }] : [];
}
