// Holds every publisher's state, applies events through the pure reducer and remembers which publishers changed
// since the view last looked, so the map can redraw once per animation frame however many events arrived.
import { missingFromSnapshot, reduce, type ModelEvent, type PublisherState } from "./publisher.ts";

export class PublisherStore {
  readonly publishers = new Map<string, PublisherState>();
  private dirty = new Set<string>();
  private listeners: (() => void)[] = [];

  /** `fn` runs when the first change after a `takeDirty()` arrives (the view schedules a frame there). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  get(jid: string): PublisherState | undefined {
    return this.publishers.get(jid);
  }

  apply(events: readonly ModelEvent[], now: number): void {
    for (const ev of events) {
      const jid = ev.kind === "presence" ? ev.presence.jid : ev.jid;
      const prev = this.publishers.get(jid);
      const next = reduce(prev, ev, now);
      if (next === prev) continue;
      if (next) this.publishers.set(jid, next);
      else this.publishers.delete(jid);
      if (!prev || !next || prev.fix !== next.fix || prev.presence !== next.presence) this.mark(jid);
    }
  }

  /** A complete `locations` snapshot of session `session` listed `listed`: drop whoever it no longer lists. */
  snapshotComplete(listed: ReadonlySet<string>, session: number): void {
    for (const jid of missingFromSnapshot(this.publishers.values(), listed, session)) {
      this.publishers.delete(jid);
      this.mark(jid);
    }
  }

  /** The publishers changed since the last call (removed ones included: `get` returns undefined for them). */
  takeDirty(): string[] {
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }

  private mark(jid: string): void {
    const first = this.dirty.size === 0;
    this.dirty.add(jid);
    if (first) for (const fn of this.listeners) fn();
  }
}
