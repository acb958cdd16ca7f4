// Where SQLite and PostgreSQL differ, in one place: the statements (store/statements.ts), the row mapping
// (store/rows.ts) and the schema (store/schema.ts) are written once over a Dialect.
import type { ChangeKind } from "../core/changes.ts";

export interface Dialect {
  /** the n-th (1-based) positional parameter */
  param(n: number): string;
  /** a parameter may be used twice by its number ($1); SQLite's `?` is bound once per occurrence */
  reusesParams: boolean;
  /** inserts a row (its values: a parameter per column, named as the column) or replaces the one with the same
   * key; `renumber`: the replacing row gets a new `seq` */
  upsert(table: string, columns: readonly string[], key: readonly string[], renumber?: boolean): string;
  /** inserts a row unless one with the same key exists */
  insertOrKeep(table: string, columns: readonly string[], key: readonly string[]): string;
  /** `column` is one of the texts of list parameter `p`; listValue() makes that parameter's value */
  inList(column: string, p: string): string;
  listValue(texts: readonly string[]): unknown;
  /** a JSON column's value as read: SQLite stores text, PostgreSQL's JSON columns arrive parsed */
  json(v: unknown): unknown;
  /** PostgreSQL records which instance holds a temporary subscription (CLUSTER.md §2): its temp_subscriptions column */
  temporaryHolder?: string;
  /** the change kinds this database does not keep (only a shared store needs them: core/changes.ts) */
  ignores: ReadonlySet<ChangeKind>;
  /** column types of the schema where they differ */
  types: { seq: string; json: string; epochMs: string; real: string };
}

// statements name their parameters (@node); store/statements.ts numbers them for the dialect
const values = (columns: readonly string[]) => columns.map((c) => `@${c}`).join(", ");

export const SQLITE: Dialect = {
  param: () => "?",
  reusesParams: false,
  upsert: (table, columns) => `INSERT OR REPLACE INTO ${table} (${columns.join(", ")}) VALUES (${values(columns)})`,
  insertOrKeep: (table, columns) =>
    `INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) VALUES (${values(columns)})`,
  inList: (column, p) => `${column} IN (SELECT value FROM json_each(${p}))`,
  listValue: (texts) => JSON.stringify(texts),
  json: (v) => (typeof v === "string" ? JSON.parse(v) : v),
  ignores: new Set(["savePresence", "saveSession"]),
  types: { seq: "INTEGER PRIMARY KEY AUTOINCREMENT", json: "TEXT", epochMs: "INTEGER", real: "REAL" },
};

export const POSTGRES: Dialect = {
  param: (n) => `$${n}`,
  reusesParams: true,
  upsert(table, columns, key, renumber) {
    // as SQLite's INSERT OR REPLACE: a replaced row becomes the newest (a new seq)
    const set = [
      ...(renumber ? [`seq = nextval(pg_get_serial_sequence('${table}', 'seq'))`] : []),
      ...columns.filter((c) => !key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`),
    ];
    return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${values(columns)})
      ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${set.join(", ")}`;
  },
  insertOrKeep: (table, columns, key) =>
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${values(columns)})
      ON CONFLICT (${key.join(", ")}) DO NOTHING`,
  inList: (column, p) => `${column} = ANY(${p}::text[])`,
  listValue: (texts) => texts,
  json: (v) => v,
  temporaryHolder: "instance",
  ignores: new Set(),
  types: { seq: "BIGSERIAL PRIMARY KEY", json: "JSON", epochMs: "BIGINT", real: "DOUBLE PRECISION" },
};
