// Presence of publishers, aggregated per bare JID over resources (RFC 6121 §4, component/PROTOCOL.md).
// Pure: the caller passes each presence stanza as a value and gets the publisher's new state if it changed.

export type Show = "chat" | "away" | "xa" | "dnd";
const SHOWS: readonly string[] = ["chat", "away", "xa", "dnd"];

/** What viewers see of one publisher: the item on node `presence`. */
export interface PublisherPresence {
  jid: string; // bare JID
  online: boolean;
  show?: Show; // of the most available resource; absent = plainly available
  since: number; // epoch ms of the change
}

export interface ResourceState {
  show?: Show;
  priority: number;
}

export function parseShow(s: string | undefined): Show | undefined {
  return s !== undefined && SHOWS.includes(s) ? (s as Show) : undefined;
}

// Most available first: chat > (none) > away > xa > dnd; ties broken by priority.
const RANK: Record<string, number> = { chat: 0, none: 1, away: 2, xa: 3, dnd: 4 };

/** The show of the most available resource, or `offline`. */
export function aggregate(resources: ReadonlyMap<string, ResourceState>): { online: boolean; show?: Show } {
  let best: ResourceState | undefined;
  for (const r of resources.values()) {
    if (!best) {
      best = r;
      continue;
    }
    const a = RANK[r.show ?? "none"],
      b = RANK[best.show ?? "none"];
    if (a < b || (a === b && r.priority > best.priority)) best = r;
  }
  return best ? { online: true, show: best.show } : { online: false };
}

/** Presence tracking for every bare JID that talks to the service (publishers and viewers alike). */
export class PresenceTable {
  private readonly resources = new Map<string, Map<string, ResourceState>>();

  /** Full JIDs of `bare` that are available now. */
  resourcesOf(bare: string): string[] {
    return [...(this.resources.get(bare)?.keys() ?? [])].map((r) => (r === "" ? bare : `${bare}/${r}`));
  }

  /** Every available full JID (the bare JID itself for presence without a resource). */
  available(): string[] {
    return [...this.resources.keys()].flatMap((b) => this.resourcesOf(b));
  }

  summary(bare: string): { online: boolean; show?: Show } {
    return aggregate(this.resources.get(bare) ?? new Map());
  }

  isAvailable(fullJid: string): boolean {
    const [bare, res = ""] = splitResource(fullJid);
    return this.resources.get(bare)?.has(res) ?? false;
  }

  /**
   * Applies one presence stanza. `resource` "" is the bare JID itself. An unavailable from the bare JID does not take
   * the resources offline: Prosody sends one to acknowledge a subscription request, and answers a probe with one
   * when no resource shares presence through the subscription, while sessions with directed presence may be online.
   * Each session's end arrives as an unavailable from its full JID. Returns the aggregate before and after.
   */
  apply(
    bare: string,
    resource: string,
    available: boolean,
    show?: Show,
    priority = 0,
  ): { before: { online: boolean; show?: Show }; after: { online: boolean; show?: Show }; wentOffline: string[] } {
    const map = this.resources.get(bare) ?? new Map<string, ResourceState>();
    const before = aggregate(map);
    const wentOffline: string[] = [];
    if (available) {
      map.set(resource, { show, priority });
    } else if (map.delete(resource)) {
      wentOffline.push(resource === "" ? bare : `${bare}/${resource}`);
    }
    if (map.size) this.resources.set(bare, map);
    else this.resources.delete(bare);
    return { before, after: aggregate(map), wentOffline };
  }
}

export function splitResource(jid: string): [string, string | undefined] {
  const i = jid.indexOf("/");
  return i < 0 ? [jid, undefined] : [jid.slice(0, i), jid.slice(i + 1)];
}
