// The deferred-commit bookkeeping both SQL stores share (core/group-commit.ts): the writes of one event-loop turn go
// into one batch, opened by the turn's first write and ended once the turn's handlers ran (setImmediate); `done`
// settles with the batch's commit, and a failed batch tells the onRollback listeners before it rejects. What a batch
// holds and how it commits is each store's: store/sqlite-batch.ts, store/postgres.ts.
import type { StoredState } from "../core/store.ts";

export interface Batch {
  /** the node names written, with their state before the batch where known (SQLite: GroupCommit.rememberFrom) */
  touched: Map<string, StoredState | undefined>;
  /** settles with the batch's commit; observed by durable() callers */
  done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

type Listener = (names: string[], fresh: StoredState) => void;

export class TurnBatches<B extends Batch> {
  /** writes recorded so far (GroupCommit.recorded) */
  recorded = 0;
  private openBatch: B | undefined;
  private readonly listeners: Listener[] = [];

  /** `make` opens a batch (it may throw: then none is open); `end` commits it after the turn */
  constructor(
    private readonly make: (b: Batch) => B,
    private readonly end: (b: B) => void,
  ) {}

  get open(): B | undefined {
    return this.openBatch;
  }

  /** the turn's batch, opened by its first write */
  current(): B {
    if (this.openBatch) return this.openBatch;
    let resolve!: () => void, reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {}); // not an unhandled rejection when nobody waits
    const b = this.make({ touched: new Map(), done, resolve, reject });
    this.openBatch = b;
    setImmediate(() => {
      if (this.close(b)) this.end(b);
    });
    return b;
  }

  /** `b` is no longer the one writes go into (it commits or failed); false if it was not open */
  close(b: B): boolean {
    if (this.openBatch !== b) return false;
    this.openBatch = undefined;
    return true;
  }

  onRollback = (l: Listener): void => {
    this.listeners.push(l);
  };

  /** tells the listeners the stored state of the touched nodes after a failed batch */
  rolledBack(names: string[], fresh: StoredState): void {
    for (const l of this.listeners) l(names, fresh);
  }
}
