// What the operations in core/ work on: the state (private to the core), the settings, and the one way to change
// what the store keeps (commit). GeoService builds it and is the only way in from outside; the operation files
// import this interface, never service.ts, so no file in core/ imports one that imports it back.
import type { AreaViews } from "./area-notify.ts";
import type { Change } from "./changes.ts";
import type { Result } from "./errors.ts";
import type { Event, Notification, PersonalNode } from "./model.ts";
import type { NodeView } from "./nodes.ts";
import type { Settings, State } from "./state.ts";

/** A result that also carries the changes the operation made and what subscribers must be told. */
export type Outcome<T> = Result<T & { changes: Change[]; notifications: Notification[] }>;

export interface Core {
  readonly state: State;
  readonly settings: Settings;
  /** area subscriptions (geo#bbox): who each was told about, and the index of positions */
  readonly areas: AreaViews;
  newId(): string;
  /**
   * Durable first: the store commits `changes` (all or none; StoreUnavailable leaves memory untouched), then
   * memory takes them (core/apply.ts).
   */
  commit(changes: readonly Change[]): void;
  /** the node as `viewer` may know it; undefined both when it does not exist and when it may not be seen */
  view(viewer: string, name: string): NodeView | undefined;
  /** the personal nodes `viewer` may see */
  visibleNodes(viewer: string): PersonalNode[];
  /** recipients of an event on a personal node, each once, if they may see it */
  notifyNode(node: PersonalNode, event: Event): Notification[];
}
