// A node's configuration as the `nodes` table's columns, written once for SQLite and PostgreSQL.
import type { NodeConfig } from "../core/model.ts";

/** the configuration columns, in the order of configValues() */
export const CONFIG_COLUMNS = ["access_model", "max_items", "title", "coarse_km", "exact", "share_until"] as const;

/** the `nodes` table's columns as a SELECT or INSERT lists them */
export const NODE_COLUMNS = ["name", ...CONFIG_COLUMNS].join(", ");

/** geo#exact as one text column: bare JIDs hold no spaces (core/jid.ts), so one space separates them */
export function configValues(c: NodeConfig): unknown[] {
  return [c.accessModel, c.maxItems, c.title, c.coarseKm, c.exact.join(" "), c.shareUntil ?? null];
}

export function configOf(r: Record<string, unknown>): NodeConfig {
  const exact = String(r.exact ?? "");
  return {
    accessModel: r.access_model as NodeConfig["accessModel"],
    maxItems: Number(r.max_items),
    title: String(r.title),
    coarseKm: Number(r.coarse_km),
    exact: exact ? exact.split(" ") : [],
    ...(r.share_until !== null && r.share_until !== undefined && { shareUntil: Number(r.share_until) }),
  };
}
