// The context every operation works on (core/context.ts Core): the private state, and the one way to change what
// the store keeps: commit the changes (durable first), then apply each to memory (core/apply.ts).
import { inAllowedDomain, maySee } from "./access.ts";
import { apply } from "./apply.ts";
import { AreaViews } from "./area-notify.ts";
import type { Change } from "./changes.ts";
import type { Core } from "./context.ts";
import { normaliseBare } from "./jid.ts";
import type { Event, Notification, PersonalNode } from "./model.ts";
import { LOCATIONS, PRESENCE, type NodeView } from "./nodes.ts";
import { notifyNode } from "./notify.ts";
import { State, type Settings } from "./state.ts";
import type { Store } from "./store.ts";

/** The context the operations work on: the state, and the one way to change what the store keeps. */
export class ServiceContext implements Core {
  readonly state: State;
  readonly areas: AreaViews;

  constructor(
    private readonly store: Store,
    readonly settings: Settings,
    readonly newId: () => string,
  ) {
    this.state = new State(store.load(), settings);
    this.areas = new AreaViews(this);
  }

  commit(changes: readonly Change[]): void {
    this.store.commit(changes); // durable first: a throw leaves memory as it was
    for (const c of changes) apply(this.state, c);
  }

  view(viewer: string, name: string): NodeView | undefined {
    if (!inAllowedDomain(this.settings, viewer)) return undefined;
    if (name === LOCATIONS) return { kind: "locations" };
    if (name === PRESENCE) return { kind: "presence" };
    const key = normaliseBare(name);
    const node = key === undefined ? undefined : this.state.nodes.get(key);
    return node && maySee(this.settings, viewer, node) ? { kind: "personal", node } : undefined;
  }

  visibleNodes(viewer: string): PersonalNode[] {
    if (!inAllowedDomain(this.settings, viewer)) return [];
    return [...this.state.nodes.values()].filter((n) => maySee(this.settings, viewer, n));
  }

  notifyNode(node: PersonalNode, event: Event): Notification[] {
    return notifyNode(this, node, event);
  }
}
