// Ingest: a user who shares presence with the service and publishes XEP-0080 to their own PEP node is a publisher.
// The service's caps announce geoloc+notify (./caps.ts), so the user's PEP service sends it every geoloc event;
// each is handled exactly like a publish to the user's personal node (same validation, publisher, access, history,
// and, being processed in arrival order with presence, the same ordering). Nothing ingested is mirrored back.
import type { Notification } from "../core/model.ts";
import { isRepeat, type RecentIds } from "../core/pep.ts";
import { viewFor } from "../core/precision.ts";
import type { GeoService } from "../core/service.ts";
import type { PepEvent } from "../protocol/pep.ts";

export interface IngestContext {
  core: GeoService;
  now(): number;
  notify(n: readonly Notification[]): void;
  /** ids the service wrote onto PEP nodes itself (mirror mode) */
  mirrored: RecentIds;
  log(line: string): void;
}

export interface IngestStats {
  ingested: number;
  /** the service's own mirrored writes coming back */
  echoes: number;
  /** the PEP service resending an item the node already holds (XEP-0163 §4.3.4 last item on presence) */
  repeats: number;
  invalid: number;
  retracted: number;
}

export function newIngestStats(): IngestStats {
  return { ingested: 0, echoes: 0, repeats: 0, invalid: 0, retracted: 0 };
}

export function ingestPepEvent(ctx: IngestContext, stats: IngestStats, ev: PepEvent): void {
  const who = ev.publisher;
  for (const { id, publish, geoloc } of ev.items) {
    if (ctx.mirrored.has(who, id)) {
      // our own write, notified back to us as a contact: already published
      stats.echoes++;
      ctx.log(`pep: dropped ${who}'s item ${id}: the service's own mirrored fix`);
      continue;
    }
    const node = ctx.core.node(who);
    // also the service's own mirrored (coarse) copy coming back after a restart, when `mirrored` has forgotten it
    if (
      node &&
      (isRepeat(node.items, id, geoloc) ||
        isRepeat(
          node.items.flatMap((i) => viewFor(node, undefined, i) ?? []),
          id,
          geoloc,
        ))
    ) {
      stats.repeats++;
      continue;
    }
    const r = ctx.core.publish(who, publish, ctx.now());
    if (!r.ok) {
      // a notification has no IQ to answer: the error is logged and the fix dropped
      stats.invalid++;
      const pubsub = r.error.pubsub ? `/${r.error.pubsub}` : "";
      const text = r.error.text ? `: ${r.error.text}` : "";
      ctx.log(`pep: dropped ${who}'s item ${id}: ${r.error.condition}${pubsub}${text}`);
      continue;
    }
    stats.ingested++;
    if (r.value.created) ctx.log(`pep: ${who} publishes through their own PEP node`);
    ctx.notify(r.value.notifications);
  }
  if (!ev.retracts.length) return;
  // XEP-0060 §7.2: the user retracted items on their PEP node; those the service holds go too
  const node = ctx.core.node(who);
  const held = ev.retracts.filter((id) => node?.items.some((i) => i.id === id));
  if (!held.length) return;
  const r = ctx.core.retract(who, who, held);
  if (r.ok) {
    stats.retracted += held.length;
    ctx.notify(r.value.notifications);
  }
}
