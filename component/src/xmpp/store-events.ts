// What the store tells the shell: a failed group commit (memory is set back to the stored state) and, with several
// instances on one PostgreSQL, other instances' node and subscription changes (core/replica.ts).
import type { GroupCommit } from "../core/group-commit.ts";
import { hasReplication } from "../core/replica.ts";
import type { GeoService } from "../core/service.ts";
import type { Store } from "../core/store.ts";
import type { Deadlines } from "./deadline.ts";

export interface StoreEvents {
  core: GeoService;
  store: Store;
  durable: GroupCommit | undefined;
  /** share_until: checked again whenever configurations may have changed under the service */
  deadlines: Deadlines;
  log(line: string): void;
}

export function followStore({ core, store, durable, deadlines, log }: StoreEvents): void {
  durable?.onRollback((names, fresh) => {
    core.restore(names, fresh);
    deadlines.check(); // share_until as the stored configuration has it
    log(`error: a commit failed; ${names.length} node(s) set back to their stored state`);
  });
  durable?.rememberFrom?.((name) => core.snapshot(name));
  // (then share_until again: another instance may have set, moved or cleared a deadline)
  if (hasReplication(store))
    store.onRemoteChange((c) => {
      core.applyRemote(c);
      deadlines.check();
    });
}
