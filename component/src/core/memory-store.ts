// The reference store: the stored state in memory, no I/O. It commits each Change kind as the SQL stores do
// (store/statements.ts), refusing what their constraints refuse, all or none (test/integration/store-contract*.test.ts
// runs the same behaviour tests against all three). Read-only, it serves core/shared-read.ts.
import type { Change, ChangeKind } from "./changes.ts";
import type { PendingRequest, PersonalNode, Subscription } from "./model.ts";
import { StoreUnavailable, type Store, type StoredState } from "./store.ts";

/** kept by a store shared with other instances only (core/changes.ts): this one is not */
const IGNORED: ReadonlySet<ChangeKind> = new Set(["savePresence", "saveSession"]);

type Undo = () => void;
const key = (node: string, jid: string) => `${node}\n${jid}`;

export class MemoryStore implements Store {
  private readonly nodes = new Map<string, PersonalNode>();
  private readonly subscriptions = new Map<string, Subscription>(); // persistent
  private readonly temporary = new Map<string, Subscription>();
  private readonly pending = new Map<string, PendingRequest>();

  /** `readOnly`: every write throws (a read-only view must not be written to), and load() returns `state` itself */
  constructor(
    private readonly state: StoredState = { nodes: [], subscriptions: [] },
    private readonly options: { readOnly?: boolean } = {},
  ) {
    if (options.readOnly) return;
    for (const n of structuredClone(state.nodes)) this.nodes.set(n.name, n);
    for (const s of structuredClone(state.subscriptions))
      (s.temporary ? this.temporary : this.subscriptions).set(key(s.node, s.jid), s);
    for (const r of structuredClone(state.pending ?? [])) this.pending.set(key(r.node, r.jid), r);
  }

  /** a copy: the core changes what it loaded */
  load(): StoredState {
    if (this.options.readOnly) return this.state; // nothing changes it: no copy (core/shared-read.ts reads per request)
    const pending = [...this.pending.values()];
    return structuredClone({
      nodes: [...this.nodes.values()],
      subscriptions: [...this.subscriptions.values(), ...this.temporary.values()],
      ...(pending.length && { pending }),
    });
  }

  commit(changes: readonly Change[]): void {
    this.writable();
    const undo: Undo[] = [];
    try {
      for (const c of changes) if (!IGNORED.has(c.kind)) undo.push(...this.apply(c));
    } catch (e) {
      for (const u of undo.reverse()) u();
      throw e;
    }
  }

  close(): void {}

  private writable(): void {
    if (this.options.readOnly) throw new Error("a read-only view was written to");
  }

  /** applies one change; returns the steps that undo it. Throws as the SQL stores' constraints do. */
  private apply(c: Change): Undo[] {
    switch (c.kind) {
      case "createNode":
        if (this.nodes.has(c.node)) throw new StoreUnavailable(`constraint: node ${c.node} exists`);
        this.nodes.set(c.node, { name: c.node, config: structuredClone(c.config), affiliations: new Map(), items: [] });
        return [() => this.nodes.delete(c.node)];
      case "saveConfig":
        return this.change(c.node, false, (n) => ({ ...n, config: structuredClone(c.config) }));
      case "setAffiliation":
        return this.change(c.node, true, (n) => {
          const affiliations = new Map(n.affiliations);
          if (c.affiliation === "none") affiliations.delete(c.jid);
          else affiliations.set(c.jid, c.affiliation);
          return { ...n, affiliations };
        });
      case "putItem":
        return this.change(c.node, true, (n) => ({
          ...n,
          items: newest([...n.items.filter((i) => i.id !== c.item.id), structuredClone(c.item)], c.maxItems),
        }));
      case "deleteItems":
        return this.change(c.node, false, (n) => ({ ...n, items: n.items.filter((i) => !c.ids.includes(i.id)) }));
      case "trim":
        return this.change(c.node, false, (n) => ({ ...n, items: newest(n.items, c.maxItems) }));
      case "purge":
        return this.change(c.node, false, (n) => ({ ...n, items: [] }));
      case "deleteNode": {
        const undo = this.change(c.node, false, () => undefined);
        for (const rows of [this.subscriptions, this.temporary, this.pending] as Array<Map<string, { node: string }>>) {
          for (const [k, v] of rows) if (v.node === c.node) undo.push(...this.put(rows, k, undefined));
        }
        return undo;
      }
      case "addSubscription": {
        const s = structuredClone(c.subscription);
        return this.put(s.temporary ? this.temporary : this.subscriptions, key(s.node, s.jid), s);
      }
      case "removeSubscription":
        return this.put(c.temporary ? this.temporary : this.subscriptions, key(c.node, c.jid), undefined);
      case "addPending":
        return this.put(this.pending, key(c.request.node, c.request.jid), { ...c.request });
      case "removePending":
        return this.put(this.pending, key(c.node, c.jid), undefined);
      case "savePresence":
      case "saveSession":
        return []; // IGNORED
    }
  }

  /** replaces node `name` by f(node) (undefined: deletes it); `required`: a missing node is refused (foreign key) */
  private change(name: string, required: boolean, f: (n: PersonalNode) => PersonalNode | undefined): Undo[] {
    const before = this.nodes.get(name);
    if (!before) {
      if (required) throw new StoreUnavailable(`constraint: no node ${name}`);
      return [];
    }
    const after = f(before);
    if (after) this.nodes.set(name, after);
    else this.nodes.delete(name);
    return [() => this.nodes.set(name, before)];
  }

  private put<V>(rows: Map<string, V>, k: string, value: V | undefined): Undo[] {
    const before = rows.get(k);
    if (value === undefined) rows.delete(k);
    else rows.set(k, value);
    return [() => (before === undefined ? rows.delete(k) : rows.set(k, before))];
  }
}

/** the newest `max` items (the SQL stores' trim) */
const newest = <T>(items: readonly T[], max: number) => items.slice(Math.max(0, items.length - max));
