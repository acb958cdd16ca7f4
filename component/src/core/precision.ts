// What one viewer sees of a fix, if anything: the one decision every path that sends or matches a position goes through
// (notifications per leaf and on `locations`, items results, last item on subscribe and on approval, the PEP mirror,
// digests and areas). The exact fix is what is stored; a viewer gets the exact one or the node's coarse grid cell
// (coarse.ts), decided from the node's configuration at the time of the call, so a change of `geo#exact` or
// `geo#coarse_km` holds from the next notification and every query after it. Pure; call it after the access check
// (may(..., "see")): it decides precision, not visibility.
import { coarsen } from "./coarse.ts";
import { bare } from "./jid.ts";
import type { Item, PersonalNode } from "./model.ts";

export type Precision = "exact" | "coarse";

/**
 * How precisely `viewer` (any form of JID; undefined = anyone, e.g. the PEP mirror that all the publisher's contacts
 * read) sees the fixes of `node`. Exact: the owner, everyone when coarse_km is 0, the JIDs on geo#exact.
 */
export function precisionFor(node: PersonalNode, viewer: string | undefined): Precision {
  if (node.config.coarseKm <= 0) return "exact";
  if (viewer === undefined) return "coarse";
  const who = bare(viewer);
  return who === node.name || exactSet(node.config.exact).has(who) ? "exact" : "coarse";
}

// geo#exact as a set, once per list (a configuration change makes a new list): a lookup per recipient, not a scan
const exactSets = new WeakMap<readonly string[], Set<string>>();
function exactSet(list: readonly string[]): Set<string> {
  let set = exactSets.get(list);
  if (!set) exactSets.set(list, (set = new Set(list)));
  return set;
}

// One coarse copy per stored item and grid: the same object for every coarse viewer (notifications serialise an
// event once per object) and the same cell for the same fix every time.
const coarseCopies = new WeakMap<Item, { km: number; item: Item }>();

/**
 * The item as `viewer` sees it (see precisionFor), or undefined when it sees none: after share_until only the owner
 * does (share-until.ts). The publisher of an item always sees its own fix exactly.
 */
export function viewFor(node: PersonalNode, viewer: string | undefined, item: Item): Item | undefined {
  if (node.sharingEnded && (viewer === undefined || bare(viewer) !== node.name)) return undefined;
  if (precisionFor(node, viewer) === "exact" || (viewer !== undefined && bare(viewer) === item.publisher)) return item;
  const km = node.config.coarseKm;
  const cached = coarseCopies.get(item);
  if (cached?.km === km) return cached.item;
  const copy = { ...item, geoloc: coarsen(item.geoloc, km) };
  coarseCopies.set(item, { km, item: copy });
  return copy;
}
