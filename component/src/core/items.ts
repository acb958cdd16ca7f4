// XEP-0060 §6.5 Retrieve items, as one viewer may see them: pure, over the service's state (core/context.ts).
import type { Core } from "./context.ts";
import { fail, ok, type Result } from "./errors.ts";
import type { Item } from "./model.ts";
import { viewFor } from "./precision.ts";
import type { PublisherPresence } from "./presence.ts";

export type ItemsResult = Array<{ node: string; item: Item } | { presence: PublisherPresence }>;

// §6.5 Retrieve items. Personal: the newest `max` (oldest first) or by id; locations: latest of each visible node;
// presence: the snapshot, or one publisher by item id (= its bare JID).
export function readItems(
  core: Core,
  from: string,
  name: string,
  ids: string[] | undefined,
  max: number | undefined,
): Result<ItemsResult> {
  const v = core.view(from, name);
  if (!v) return fail("item-not-found"); // §6.5.9.11 (also for nodes the requester may not see: nothing leaks)
  if (v.kind === "personal") {
    let items = v.node.items;
    if (ids) items = items.filter((i) => ids.includes(i.id));
    if (max !== undefined) items = items.slice(Math.max(0, items.length - max));
    return ok(
      items.flatMap((i) => {
        const item = viewFor(v.node, from, i);
        return item ? [{ node: v.node.name, item }] : []; // none after share_until, but to the owner
      }),
    );
  }
  if (v.kind === "locations") {
    const out: Array<{ node: string; item: Item }> = [];
    for (const n of core.visibleNodes(from)) {
      const latest = core.state.latest(n);
      const item = latest && viewFor(n, from, latest);
      if (item && (!ids || ids.includes(item.id))) out.push({ node: n.name, item });
    }
    return ok(max === undefined ? out : out.slice(0, max));
  }
  const out: Array<{ presence: PublisherPresence }> = [];
  for (const n of core.visibleNodes(from)) {
    const p = core.state.presence.get(n.name);
    if (p && (!ids || ids.includes(n.name))) out.push({ presence: p });
  }
  return ok(max === undefined ? out : out.slice(0, max));
}
