// Rules for fixes that travel through users' own PEP nodes (XEP-0163): recognising echoes and replays.
// Pure: values in, values out.
import type { Geoloc } from "./geoloc.ts";
import type { Item } from "./model.ts";

/**
 * Item ids the service itself wrote onto each publisher's PEP node (mirror mode), newest last, at most `limit`
 * per publisher and `maxPublishers` publishers (least recently mirrored forgotten first). A PEP event carrying one of
 * these ids is the service's own write coming back.
 */
export class RecentIds {
  private readonly byPublisher = new Map<string, string[]>();

  constructor(
    private readonly limit = 16,
    private readonly maxPublishers = 10_000,
  ) {}

  add(publisher: string, id: string): void {
    const ids = this.byPublisher.get(publisher) ?? [];
    this.byPublisher.delete(publisher); // re-insert: Map order = least recently used first
    ids.push(id);
    if (ids.length > this.limit) ids.splice(0, ids.length - this.limit);
    this.byPublisher.set(publisher, ids);
    if (this.byPublisher.size > this.maxPublishers) this.byPublisher.delete(this.byPublisher.keys().next().value!);
  }

  has(publisher: string, id: string): boolean {
    return this.byPublisher.get(publisher)?.includes(id) ?? false;
  }
}

/**
 * Whether a PEP event repeats an item the node already holds: same id, same fields. A PEP service resends the last
 * item whenever it (re)learns that the service wants notifications (XEP-0163 §4.3.4 on presence), so after every
 * reconnect the same fix arrives again. A timestamp the service filled in on receipt (the event had none) is ignored.
 */
export function isRepeat(items: readonly Item[], id: string, incoming: Geoloc): boolean {
  const stored = items.find((i) => i.id === id)?.geoloc;
  if (!stored) return false;
  const keys = (g: Geoloc) => Object.keys(g).filter((k) => k !== "timestamp" || incoming.timestamp !== undefined);
  const a = keys(stored),
    b = keys(incoming);
  return a.length === b.length && b.every((k) => stored[k as keyof Geoloc] === incoming[k as keyof Geoloc]);
}
