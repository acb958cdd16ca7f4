// What the operations kept apart from service.ts (owner.ts, authorize.ts) need of the service. GeoService
// implements it; they import this interface, never service.ts, so no file in core/ imports one that imports it back.
import type { Result } from "./errors.ts";
import type { Event, Notification, PersonalNode } from "./model.ts";
import type { NodeView } from "./nodes.ts";
import type { Settings, State } from "./state.ts";

/** A result that also carries what subscribers must be told. */
export type Outcome<T> = Result<T & { notifications: Notification[] }>;

export interface Core {
  readonly state: State;
  readonly settings: Settings;
  newId(): string;
  /** the node as `viewer` may know it; undefined both when it does not exist and when it may not be seen */
  view(viewer: string, name: string): NodeView | undefined;
  /** the personal nodes `viewer` may see */
  visibleNodes(viewer: string): PersonalNode[];
  /** recipients of an event on a personal node, each once, if they may see it */
  notifyNode(node: PersonalNode, event: Event): Notification[];
}
