// Reads for core/shared-read.ts: what PostgreSQL holds now, for one personal node or for all nodes (each with
// its latest item), plus publishers' presence rows.
import type pg from "pg";
import { normaliseBare } from "../core/jid.ts";
import type { NodeConfig, PersonalNode } from "../core/model.ts";
import type { PublisherPresence, Show } from "../core/presence.ts";
import type { ReadView } from "../core/shared-read.ts";
import { configOf, NODE_COLUMNS } from "./config-columns.ts";

export const PRESENCE_SQL = `INSERT INTO presence (jid, online, show, since) VALUES ($1, $2, $3, $4)
  ON CONFLICT (jid) DO UPDATE SET online = EXCLUDED.online, show = EXCLUDED.show, since = EXCLUDED.since`;

export async function readView(db: pg.ClientBase, node: string | undefined): Promise<ReadView> {
  const name = node === undefined ? undefined : normaliseBare(node);
  if (node !== undefined && name === undefined) return { state: { nodes: [], subscriptions: [] }, presence: [] };
  const one = name !== undefined;
  const args = one ? [name] : [];
  const nodes = new Map<string, PersonalNode>();
  for (const r of (await db.query(`SELECT ${NODE_COLUMNS} FROM nodes${one ? " WHERE name = $1" : ""}`, args)).rows) {
    nodes.set(r.name, { name: r.name, config: configOf(r), affiliations: new Map(), items: [] });
  }
  for (const r of (await db.query(`SELECT node, jid, affiliation FROM affiliations${one ? " WHERE node = $1" : ""}`, args)).rows) {
    nodes.get(r.node)?.affiliations.set(r.jid, r.affiliation);
  }
  const items = one
    ? "SELECT node, id, publisher, geoloc, published FROM items WHERE node = $1 ORDER BY seq"
    : "SELECT DISTINCT ON (node) node, id, publisher, geoloc, published FROM items ORDER BY node, seq DESC";
  for (const r of (await db.query(items, args)).rows) {
    nodes.get(r.node)?.items.push({ id: r.id, publisher: r.publisher, geoloc: r.geoloc, published: Number(r.published) });
  }
  const presence: PublisherPresence[] = (await db.query(`SELECT jid, online, show, since FROM presence${one ? " WHERE jid = $1" : ""}`, args)).rows
    .map((r) => ({ jid: r.jid, online: r.online, ...(r.show && { show: r.show as Show }), since: Number(r.since) }));
  return { state: { nodes: [...nodes.values()], subscriptions: [] }, presence };
}
