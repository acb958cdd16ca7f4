// Group commit (SQLite and PostgreSQL): Store.commit(changes) puts the changes into the batch of the current
// event-loop turn (SQLite runs them at once, PostgreSQL only records them); the batch commits after the turn, and the
// shell releases replies and notifications once what was recorded before them is committed.
import type { StoredState } from "./store.ts";

export interface GroupCommit {
  /** how many writes were recorded so far (a handler that changed it wrote something) */
  readonly recorded: number;
  /**
   * Settles once every write recorded so far (Store.commit(changes)) is committed (durable), or rejects with
   * StoreUnavailable if the transaction holding them failed. Resolves at once when nothing is pending.
   */
  durable(): Promise<void>;
  /**
   * Called, before the failed commit's promise rejects, with the durable state of the nodes the failed transaction
   * touched (a name missing from `fresh.nodes` no longer exists): memory must be set back to it.
   */
  onRollback(listener: (names: string[], fresh: StoredState) => void): void;
  /**
   * Optional (SQLite): `current(name)` is asked for a node's state at a batch's first write to it. The core writes
   * durable first, so that is still the stored state; onRollback gets it when the storage cannot be read back
   * after a failed commit (the I/O error that failed the commit often fails reads too).
   */
  rememberFrom?(current: (name: string) => StoredState): void;
  /** commits what is pending, then closes the connections */
  end(): Promise<void>;
}

export function hasGroupCommit<S extends object>(store: S): store is S & GroupCommit {
  return typeof (store as Partial<GroupCommit>).onRollback === "function";
}
