// The side panel's rows: which visible publishers match the search, in which order. Pure.
import { isVisible, type PublisherState } from "./publisher.ts";
import { deriveStatus, type Status } from "./status.ts";

export type SortKey = "name" | "status" | "age" | "speed";

export interface ListQuery {
  text: string;
  /** statuses to show; empty = all */
  statuses: ReadonlySet<Status>;
  sort: SortKey;
  staleAfterMs: number;
}

const byName = new Intl.Collator("en", { numeric: true, sensitivity: "base" }); // p2 before p10
const STATUS_ORDER: Record<Status, number> = { online: 0, away: 1, unknown: 2, offline: 3 };

/** The name shown for a publisher: the local part of its JID (the full JID is in the details). */
export function displayName(jid: string): string {
  const at = jid.indexOf("@");
  return at > 0 ? jid.slice(0, at) : jid;
}

function matches(p: PublisherState, text: string): boolean {
  if (!text) return true;
  const g = p.fix?.geoloc;
  const hay = [p.jid, g?.text, g?.locality, g?.description, g?.street, g?.area].filter(Boolean).join(" ").toLowerCase();
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/**
 * JIDs of the visible publishers that match `q`, sorted; ties broken by JID (numbers in order) so the order is
 * stable.
 */
export function listRows(publishers: Iterable<PublisherState>, q: ListQuery, now: number): string[] {
  const rows: { p: PublisherState; status: Status; key: number }[] = [];
  for (const p of publishers) {
    if (!isVisible(p) || !matches(p, q.text)) continue;
    const { status } = deriveStatus(p, now, q.staleAfterMs);
    if (q.statuses.size && !q.statuses.has(status)) continue;
    const key =
      q.sort === "status"
        ? STATUS_ORDER[status]
        : q.sort === "age"
          ? -(p.fix?.time ?? 0) // freshest first
          : q.sort === "speed"
            ? -(p.fix?.speed ?? -1) // fastest first
            : 0;
    rows.push({ p, status, key });
  }
  rows.sort(
    (a, b) => a.key - b.key || byName.compare(a.p.jid, b.p.jid) || (a.p.jid < b.p.jid ? -1 : a.p.jid > b.p.jid ? 1 : 0),
  );
  return rows.map((r) => r.p.jid);
}
