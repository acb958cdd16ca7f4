// The persistence port, owned by the core. Durability before ack: a write is committed when the call returns, or,
// with group commit (SQLite and PostgreSQL: core/group-commit.ts), before the shell releases any reply after it.
import type { Change } from "./changes.ts";
import type { PendingRequest, PersonalNode, Subscription } from "./model.ts";

export interface StoredState {
  nodes: PersonalNode[];
  /** persistent and temporary subscriptions (§12.5: a temporary one is confirmed with its session after a restart) */
  subscriptions: Subscription[];
  /** XEP-0060 §8.6 subscription requests waiting for the owner (stores that keep them) */
  pending?: PendingRequest[];
}

/**
 * The storage could not commit (locked, disk full, read-only, I/O error). Nothing of the failed call was written;
 * the service answers `resource-constraint` (type wait) and keeps its in-memory state unchanged.
 */
export class StoreUnavailable extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`storage unavailable: ${reason}`, options);
    this.name = "StoreUnavailable";
  }
}

export interface Store {
  load(): StoredState;
  /**
   * Commits the changes, all or none: if it throws (StoreUnavailable), nothing of them was written. With group
   * commit (core/group-commit.ts) they are durable once the batch holding them commits. Every kind is taken; one the
   * store does not keep (savePresence and saveSession: only a store shared by several instances needs them) is
   * dropped.
   */
  commit(changes: readonly Change[]): void;
  close(): void;
}
