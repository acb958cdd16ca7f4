// Reads of the shared store: the stored state (loading, reloads, other instances' changes), and for
// core/shared-read.ts what PostgreSQL holds now, for one personal node or for all nodes (each with its latest
// item), plus publishers' presence rows.
import type pg from "pg";
import { normaliseBare } from "../core/jid.ts";
import type { PublisherPresence, Show } from "../core/presence.ts";
import type { ReadView } from "../core/shared-read.ts";
import type { StoredState } from "../core/store.ts";
import { POSTGRES } from "./dialect.ts";
import { nodesOf, stateOf, type Rows } from "./rows.ts";
import { readStatements, type ReadKey } from "./statements.ts";

const READS = { all: readStatements(POSTGRES, false), named: readStatements(POSTGRES, true) };
const LATEST_ITEMS =
  "SELECT DISTINCT ON (node) node, id, publisher, geoloc, published FROM items ORDER BY node, seq DESC";

/** Nodes (all, or those named) with their affiliations and items, their subscriptions and pending requests. */
export async function readState(db: pg.ClientBase, names?: string[]): Promise<StoredState> {
  const reads = names ? READS.named : READS.all;
  const args = names ? [POSTGRES.listValue(names)] : [];
  const rows: Rows = {};
  for (const k of Object.keys(reads) as ReadKey[]) rows[k] = (await db.query(reads[k].text, args)).rows;
  return stateOf(rows, POSTGRES);
}

export async function readView(db: pg.ClientBase, node: string | undefined): Promise<ReadView> {
  const name = node === undefined ? undefined : normaliseBare(node);
  if (node !== undefined && name === undefined) return { state: { nodes: [], subscriptions: [] }, presence: [] };
  const one = name !== undefined;
  const reads = one ? READS.named : READS.all;
  const args = one ? [POSTGRES.listValue([name])] : [];
  const nodes = (await db.query(reads.nodes.text, args)).rows;
  const affiliations = (await db.query(reads.affiliations.text, args)).rows;
  const items = (await db.query(one ? reads.items.text : LATEST_ITEMS, args)).rows;
  const presence: PublisherPresence[] = (
    await db.query(`SELECT jid, online, show, since FROM presence${one ? " WHERE jid = $1" : ""}`, one ? [name] : [])
  ).rows.map((r) => ({
    jid: r.jid,
    online: r.online,
    ...(r.show && { show: r.show as Show }),
    since: Number(r.since),
  }));
  return { state: { nodes: nodesOf({ nodes, affiliations, items }, POSTGRES), subscriptions: [] }, presence };
}
