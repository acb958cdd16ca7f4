// Several instances (CLUSTER.md §3): items and disco#items are answered from what PostgreSQL holds now,
// since memory holds other instances' publishers only as of their last node change. First this instance's own
// pending commit (read-your-writes: everything it acknowledged or notified is then in the database), then the
// query, then the same pure core and the same reply builders over the rows.
import type { Element } from "@xmpp/xml";
import type { GroupCommit } from "../core/group-commit.ts";
import type { Notification } from "../core/model.ts";
import { LOCATIONS, PRESENCE } from "../core/service.ts";
import { viewFor } from "../core/precision.ts";
import { isDue } from "../core/share-until.ts";
import { readerOver, type SharedReads } from "../core/shared-read.ts";
import type { Settings } from "../core/state.ts";
import { errorElement } from "../protocol/errors.ts";
import { readItems } from "../protocol/requests.ts";
import { discoItemsOf } from "./disco.ts";
import type { Handlers } from "./handler.ts";

export interface Shared {
  store: SharedReads;
  durable: GroupCommit;
  settings: Settings;
  now(): number;
}

async function reader(s: Shared, node: string | undefined) {
  await s.durable.durable().catch(() => {}); // a failed batch was set back; the database is the truth either way
  // share_until as the stored rows say, at this time
  return readerOver(
    await s.store.readView(node === LOCATIONS || node === PRESENCE ? undefined : node),
    s.settings,
    s.now(),
  );
}

/**
 * The pubsub handlers over the shared store: items (XEP-0060 §6.5) answered from the database, and the last item
 * replayed on a set request (§6.1.7 subscribe) from it (replayFromStore). The others as they are.
 */
export function overShared(s: Shared, handlers: Handlers<Element | undefined>): Handlers {
  const out: Handlers = { ...handlers };
  for (const [key, handle] of Object.entries(handlers)) {
    if (key.startsWith("set_"))
      out[key] = (ctx, from, r) => handle({ ...ctx, notify: replayFromStore(s, ctx.notify) }, from, r);
  }
  out.get_items = (ctx, from, r) => {
    const req = readItems(r);
    if (!req.ok) return errorElement(req.error);
    return reader(s, req.value.node).then((core) => handlers.get_items({ ...ctx, core, notify: () => {} }, from, r));
  };
  return out;
}

/** XEP-0030 disco#items answered from the database. */
export async function sharedDiscoItems(
  s: Shared,
  service: string,
  from: string,
  node: string | undefined,
): Promise<Element> {
  return discoItemsOf(await reader(s, node), service, from, node);
}

/**
 * XEP-0060 §6.1.7 last item on subscribe: memory may hold an older item of another instance's publisher, so the
 * replay (delayed) carries the stored latest item instead. Live notifications pass through unchanged. The replay
 * may follow a live event from the publisher's instance; it is marked delayed and older, so maps keep the newest.
 */
export function replayFromStore(
  s: Shared,
  notify: (n: readonly Notification[]) => void,
): (n: readonly Notification[]) => void {
  return (n) => {
    notify(n.filter((x) => !x.delayed));
    for (const x of n) {
      if (!x.delayed || x.event.kind !== "item") continue;
      const event = x.event;
      void s.durable
        .durable()
        .catch(() => {})
        .then(() => s.store.readView(event.node))
        .then(
          (v) => {
            const node = v.state.nodes[0];
            if (node) node.sharingEnded = isDue(node, s.now());
            const latest = node?.items.at(-1);
            const item = latest && viewFor(node, x.to, latest); // as this viewer sees it, if at all
            if (item) notify([{ ...x, event: { ...event, item } }]);
          },
          () => notify([x]),
        );
    }
  };
}
