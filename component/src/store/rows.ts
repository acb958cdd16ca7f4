// Rows of the tables as the core's values, written once for SQLite and PostgreSQL (their reads: store/statements.ts).
import type { PendingRequest, PersonalNode, Subscription } from "../core/model.ts";
import type { StoredState } from "../core/store.ts";
import { configOf } from "./config-columns.ts";
import type { Dialect } from "./dialect.ts";
import type { ReadKey } from "./statements.ts";

type Row = Record<string, any>;
/** rows per read of readStatements(); items in seq order. Reads left out are not part of the state. */
export type Rows = Partial<Record<ReadKey, readonly Row[]>>;

export function nodesOf(rows: Rows, d: Dialect): PersonalNode[] {
  const nodes = new Map<string, PersonalNode>();
  for (const r of rows.nodes ?? [])
    nodes.set(r.name, { name: r.name, config: configOf(r), affiliations: new Map(), items: [] });
  for (const r of rows.affiliations ?? []) nodes.get(r.node)?.affiliations.set(r.jid, r.affiliation);
  for (const r of rows.items ?? []) {
    nodes.get(r.node)?.items.push({
      id: r.id,
      publisher: r.publisher,
      geoloc: d.json(r.geoloc) as never,
      published: Number(r.published),
    });
  }
  return [...nodes.values()];
}

export function stateOf(rows: Rows, d: Dialect): StoredState {
  const sub = (r: Row, temporary: boolean): Subscription => ({
    node: r.node,
    jid: r.jid,
    subid: r.subid,
    temporary,
    ...(r.options && { options: d.json(r.options) as Subscription["options"] }),
  });
  const subscriptions = [
    ...(rows.subscriptions ?? []).map((r) => sub(r, false)),
    ...(rows.temporary ?? []).map((r) => sub(r, true)),
  ];
  const pending: PendingRequest[] = (rows.pending ?? []).map((r) => ({ node: r.node, jid: r.jid, subid: r.subid }));
  return { nodes: nodesOf(rows, d), subscriptions, ...(pending.length && { pending }) };
}
