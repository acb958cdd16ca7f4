// Sharing that ends by itself (geo#share_until): at the deadline the service acts as if the publisher had stopped
// sharing (XEP-0080 §4.1): the node's viewers get an empty <geoloc/>, and from then on only the owner sees its items
// (precision.ts viewFor), its new fixes included, until the owner moves or clears the deadline. Clock-free: the shell
// asks for the next deadline, keeps one timer, and calls endSharing with the time when it fires and at start (a
// deadline that passed while the service was down takes effect then).
import type { Core } from "./context.ts";
import type { Item, Notification, PersonalNode } from "./model.ts";

/** The earliest share_until of a node still sharing (the shell's one timer), or undefined. */
export function nextDeadline(core: Core): number | undefined {
  let next: number | undefined;
  for (const n of core.state.nodes.values()) {
    const t = n.config.shareUntil;
    if (t !== undefined && !n.sharingEnded && (next === undefined || t < next)) next = t;
  }
  return next;
}

export interface Ended {
  notifications: Notification[];
  /** per node that stopped: the empty fix its viewers were sent (the PEP mirror writes it too) */
  stopped: Array<{ owner: string; item: Item }>;
}

/** Whether `node`'s share_until has passed at `now`. */
export const isDue = (node: PersonalNode, now: number): boolean =>
  node.config.shareUntil !== undefined && node.config.shareUntil <= now;

/** Ends or resumes one node's sharing as its share_until stands at `now`. */
export function applyDeadline(
  core: Core,
  node: PersonalNode,
  now: number,
  out: Ended = { notifications: [], stopped: [] },
): Ended {
  if (!isDue(node, now)) {
    node.sharingEnded = false; // a deadline moved on or cleared: the next fix is shared again
    return out;
  }
  if (node.sharingEnded) return out;
  // told while still sharing, so that every viewer who may see the node gets the stop; never stored
  const item: Item = { id: core.newId(), publisher: node.name, geoloc: {}, published: now };
  out.notifications.push(...core.notifyNode(node, { kind: "item", node: node.name, item }));
  out.stopped.push({ owner: node.name, item });
  node.sharingEnded = true;
  return out;
}

/**
 * Every node whose share_until has passed by `now` and that still shares stops; one marked ended whose deadline has
 * since moved on or gone (a change from another instance, a rolled-back configuration) shares again.
 */
export function endSharing(core: Core, now: number): Ended {
  const out: Ended = { notifications: [], stopped: [] };
  for (const n of core.state.nodes.values()) if (n.sharingEnded || isDue(n, now)) applyDeadline(core, n, now, out);
  return out;
}
