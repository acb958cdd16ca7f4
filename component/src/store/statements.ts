// The statements of both SQL stores, written once: for each Change kind (core/changes.ts) the statements that make
// it, and the reads that load the stored state. Parameters are named (@node); `compile` numbers them for a dialect.
import type { Change } from "../core/changes.ts";
import { CONFIG_COLUMNS, configValues, NODE_COLUMNS } from "./config-columns.ts";
import type { Dialect } from "./dialect.ts";

const named = (columns: readonly string[]) => columns.map((c) => `@${c}`).join(", ");
const SUBSCRIPTION = ["node", "jid", "subid", "options"];

function writeTemplates(d: Dialect) {
  const temporary = ["node", "jid", "subid", ...(d.temporaryHolder ? [d.temporaryHolder] : []), "options"];
  return {
    createNode: `INSERT INTO nodes (${NODE_COLUMNS}) VALUES (${named(["name", ...CONFIG_COLUMNS])})`,
    saveConfig: `UPDATE nodes SET ${CONFIG_COLUMNS.map((c) => `${c} = @${c}`).join(", ")} WHERE name = @name`,
    setAffiliation: d.upsert("affiliations", ["node", "jid", "affiliation"], ["node", "jid"]),
    removeAffiliation: "DELETE FROM affiliations WHERE node = @node AND jid = @jid",
    // a re-published id becomes the newest (a new seq)
    putItem: d.upsert("items", ["node", "id", "publisher", "geoloc", "published"], ["node", "id"], true),
    trim: `DELETE FROM items WHERE node = @node
      AND seq <= (SELECT seq FROM items WHERE node = @node ORDER BY seq DESC LIMIT 1 OFFSET @keep)`,
    deleteItems: `DELETE FROM items WHERE node = @node AND ${d.inList("id", "@ids")}`,
    purge: "DELETE FROM items WHERE node = @node",
    // items and affiliations go with the node (ON DELETE CASCADE); subscriptions and requests name it without a key
    deleteNode: "DELETE FROM nodes WHERE name = @node",
    deleteNodeSubscriptions: "DELETE FROM subscriptions WHERE node = @node",
    deleteNodeTemporary: "DELETE FROM temp_subscriptions WHERE node = @node",
    deleteNodePending: "DELETE FROM pending_requests WHERE node = @node",
    addSubscription: d.upsert("subscriptions", SUBSCRIPTION, ["node", "jid"]),
    removeSubscription: "DELETE FROM subscriptions WHERE node = @node AND jid = @jid",
    addTemporary: d.upsert("temp_subscriptions", temporary, ["node", "jid"]),
    removeTemporary: "DELETE FROM temp_subscriptions WHERE node = @node AND jid = @jid",
    addPending: d.upsert("pending_requests", ["node", "jid", "subid"], ["node", "jid"]),
    removePending: "DELETE FROM pending_requests WHERE node = @node AND jid = @jid",
    savePresence: d.upsert("presence", ["jid", "online", "show", "since"], ["jid"]),
    addSession: d.insertOrKeep("sessions", ["jid", "since"], ["jid"]),
    removeSession: "DELETE FROM sessions WHERE jid = @jid",
  };
}

export type WriteKey = keyof ReturnType<typeof writeTemplates>;
export interface Statement {
  text: string;
  params: string[];
}
/** one statement to run, its values in parameter order */
export interface Write {
  key: WriteKey;
  values: unknown[];
}

/** `@name` -> the dialect's positional parameters; `params` lists the names in binding order */
export function compile(d: Dialect, template: string): Statement {
  const params: string[] = [];
  const text = template.replace(/@([a-z_]+)/g, (_, name: string) => {
    const at = d.reusesParams ? params.indexOf(name) : -1;
    if (at >= 0) return d.param(at + 1);
    params.push(name);
    return d.param(params.length);
  });
  return { text, params };
}

const compileAll = <K extends string>(d: Dialect, templates: Record<K, string>) =>
  Object.fromEntries(Object.entries<string>(templates).map(([k, t]) => [k, compile(d, t)])) as Record<K, Statement>;

export const writeStatements = (d: Dialect) => compileAll(d, writeTemplates(d));

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
const configArgs = (name: string, c: Parameters<typeof configValues>[0]) =>
  Object.fromEntries([["name", name], ...CONFIG_COLUMNS.map((col, i) => [col, configValues(c)[i]])]);

/** The statements that make a change, with their named values (none for a kind the dialect does not keep). */
function argsOf(d: Dialect, c: Change, holder: string): Array<[WriteKey, Record<string, unknown>]> {
  if (d.ignores.has(c.kind)) return [];
  switch (c.kind) {
    case "createNode":
      return [["createNode", configArgs(c.node, c.config)]];
    case "saveConfig":
      return [["saveConfig", configArgs(c.node, c.config)]];
    case "setAffiliation":
      return c.affiliation === "none"
        ? [["removeAffiliation", { node: c.node, jid: c.jid }]]
        : [["setAffiliation", { node: c.node, jid: c.jid, affiliation: c.affiliation }]];
    case "putItem": {
      const { id, publisher, geoloc, published } = c.item;
      return [
        ["putItem", { node: c.node, id, publisher, geoloc: json(geoloc), published }],
        ["trim", { node: c.node, keep: c.maxItems }],
      ];
    }
    case "deleteItems":
      return [["deleteItems", { node: c.node, ids: d.listValue(c.ids) }]];
    case "trim":
      return [["trim", { node: c.node, keep: c.maxItems }]];
    case "purge":
      return [["purge", { node: c.node }]];
    case "deleteNode":
      return (["deleteNode", "deleteNodeTemporary", "deleteNodePending", "deleteNodeSubscriptions"] as const).map(
        (k) => [k, { node: c.node }],
      );
    case "addSubscription": {
      const s = c.subscription;
      const args = { node: s.node, jid: s.jid, subid: s.subid, options: json(s.options) };
      return [
        s.temporary
          ? ["addTemporary", { ...args, ...(d.temporaryHolder && { [d.temporaryHolder]: holder }) }]
          : ["addSubscription", args],
      ];
    }
    case "removeSubscription":
      return [[c.temporary ? "removeTemporary" : "removeSubscription", { node: c.node, jid: c.jid }]];
    case "addPending":
      return [["addPending", { ...c.request }]];
    case "removePending":
      return [["removePending", { node: c.node, jid: c.jid }]];
    case "savePresence": {
      const p = c.presence;
      return [["savePresence", { jid: p.jid, online: p.online, show: p.show ?? null, since: p.since }]];
    }
    case "saveSession":
      return [c.available ? ["addSession", { jid: c.jid, since: Date.now() }] : ["removeSession", { jid: c.jid }]];
  }
}

/** The statements (of `compiled`, from writeStatements) that make `c`. `holder`: this instance (temporaryHolder). */
export function writesOf(d: Dialect, compiled: Record<WriteKey, Statement>, c: Change, holder = ""): Write[] {
  return argsOf(d, c, holder).map(([key, args]) => ({ key, values: compiled[key].params.map((p) => args[p]) }));
}

/** The node a change is about (a failed commit reloads it), if any: presence and sessions are no node's. */
export function nodeOf(c: Change): string | undefined {
  switch (c.kind) {
    case "addSubscription":
      return c.subscription.node;
    case "addPending":
      return c.request.node;
    case "savePresence":
    case "saveSession":
      return undefined;
    default:
      return c.node;
  }
}

/** The change deletes a node's items outright (SQLite erases them from its WAL after the commit: store/sqlite.ts). */
export const erases = (c: Change) => c.kind === "deleteItems" || c.kind === "purge" || c.kind === "deleteNode";

/** The reads of the stored state: every row, or (`names`) the rows of those nodes. */
export function readStatements(d: Dialect, names: boolean) {
  const where = (column: string) => (names ? ` WHERE ${d.inList(column, "@names")}` : "");
  return compileAll(d, {
    nodes: `SELECT ${NODE_COLUMNS} FROM nodes${where("name")}`,
    affiliations: `SELECT node, jid, affiliation FROM affiliations${where("node")}`,
    items: `SELECT node, id, publisher, geoloc, published FROM items${where("node")} ORDER BY seq`,
    subscriptions: `SELECT node, jid, subid, options FROM subscriptions${where("node")}`,
    temporary: `SELECT node, jid, subid, options FROM temp_subscriptions${where("node")}`,
    pending: `SELECT node, jid, subid FROM pending_requests${where("node")}`,
  });
}
export type ReadKey = keyof ReturnType<typeof readStatements>;
