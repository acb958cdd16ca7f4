// Who is watching: the owner's own report of who may see them, who is subscribed now and who fetched their items
// lately (issue 21 §3), and the bounded read log behind the last part. Only the owner's own node is ever reported:
// the report takes no node name, so nobody can ask about anyone else, and its answer says nothing about others.
// Pure: the shell passes the time.
import { may } from "./access.ts";
import type { Core } from "./context.ts";
import { bare } from "./jid.ts";
import type { AccessModel, BBox, PersonalNode, ReadEntry } from "./model.ts";
import { LOCATIONS, PRESENCE } from "./nodes.ts";
import { precisionFor, type Precision } from "./precision.ts";
import type { State } from "./state.ts";

/** The read log's bounds: entries older than the window are forgotten, and at most `perPublisher` viewers each. */
export const READ_LOG = { windowMs: 24 * 3600_000, perPublisher: 1000 };

function prune(log: Map<string, ReadEntry>, now: number): void {
  for (const [jid, e] of log) {
    if (now - e.last <= READ_LOG.windowMs && log.size <= READ_LOG.perPublisher) break; // the rest are newer
    log.delete(jid);
  }
}

/**
 * `viewer` fetched items of each of `publishers` at `now` (an items request, XEP-0060 §6.5). The owner is not logged.
 */
export function recordReads(state: State, viewer: string, publishers: Iterable<string>, now: number): void {
  const who = bare(viewer);
  for (const p of new Set(publishers)) {
    if (p === who || !state.nodes.has(p)) continue;
    let log = state.reads.get(p);
    if (!log) state.reads.set(p, (log = new Map()));
    const e = log.get(who);
    log.delete(who); // re-inserted: Map order = least recently read first
    log.set(
      who,
      e && now - e.first <= READ_LOG.windowMs
        ? { ...e, last: now, count: e.count + 1 }
        : { jid: who, first: now, last: now, count: 1 },
    );
    prune(log, now);
  }
}

export interface Watcher {
  jid: string;
  /** what it is subscribed to: the owner's node, or the aggregate nodes that include it */
  via: "node" | typeof LOCATIONS | typeof PRESENCE;
  precision: Precision;
  temporary: boolean;
  /** geo#bbox of the subscription (it only hears of the publisher while inside); undefined: everywhere */
  area?: BBox;
}

export interface WatchReport {
  node: string;
  accessModel: AccessModel;
  /** affiliations: who may see whatever the model (members include approved requests), who may publish, who never */
  members: string[];
  publishers: string[];
  outcasts: string[];
  /** XEP-0060 §8.6 requests waiting for the owner's answer */
  pending: string[];
  exact: string[];
  coarseKm: number;
  shareUntil?: number;
  sharingEnded: boolean;
  subscribers: Watcher[];
  reads: ReadEntry[];
}

/** The report on `owner`'s own node (any form of their JID), or undefined when they have none. */
export function watchReport(core: Core, owner: string, now: number): WatchReport | undefined {
  const node = core.state.nodes.get(bare(owner));
  if (!node || !may(core.settings, owner, node, "own")) return undefined;
  const byAffiliation = (a: string) =>
    [...node.affiliations]
      .filter(([, x]) => x === a)
      .map(([jid]) => jid)
      .sort();
  const log = core.state.reads.get(node.name);
  if (log) prune(log, now);
  return {
    node: node.name,
    accessModel: node.config.accessModel,
    members: byAffiliation("member"),
    publishers: byAffiliation("publisher"),
    outcasts: byAffiliation("outcast"),
    pending: [...(core.state.pending.get(node.name)?.keys() ?? [])].sort(),
    exact: node.config.exact,
    coarseKm: node.config.coarseKm,
    ...(node.config.shareUntil !== undefined && { shareUntil: node.config.shareUntil }),
    sharingEnded: !!node.sharingEnded,
    subscribers: watchers(core, node),
    reads: [...(log?.values() ?? [])].filter((e) => now - e.last <= READ_LOG.windowMs).reverse(), // latest first
  };
}

/**
 * Everyone subscribed now to what the node publishes: its own subscribers, and those of `locations`/`presence` who may
 * see it.
 */
export function watchers(core: Core, node: PersonalNode): Watcher[] {
  const out: Watcher[] = [];
  for (const via of ["node", LOCATIONS, PRESENCE] as const) {
    for (const s of core.state.subscriptions.get(via === "node" ? node.name : via)?.values() ?? []) {
      if (bare(s.jid) === node.name || !may(core.settings, s.jid, node, "see")) continue;
      out.push({
        jid: s.jid,
        via,
        precision: precisionFor(node, s.jid),
        temporary: s.temporary,
        ...(s.options?.area && { area: s.options.area }),
      });
    }
  }
  return out;
}
