// Group commit for the shared store (store/postgres.ts), behind the same GroupCommit port as SQLite's.
//
// The core's Store port is synchronous and the core changes memory right after a store call returns; PostgreSQL
// answers asynchronously. So here Store.commit(changes) only RECORDS them in the open batch (synchronously, it
// cannot fail), and the batch is committed as ONE transaction after the handlers of the current event-loop turn
// ran (setImmediate). Batches commit one after another on one dedicated connection, in the order they were
// recorded. The shell (xmpp/iq.ts, xmpp/gate.ts) holds every IQ reply and every notification until `durable()` -
// the batch holding everything recorded before them - settles, so:
//   - an acknowledged publish is committed (synchronous_commit on: COMMIT returned = durable) before the ack;
//   - viewers never see an event that is not durable, and order is kept (releases follow batch order);
//   - one COMMIT (one WAL flush) serves every publish of a turn: under load the batches grow, the commits do not.
// If a batch fails (connection lost, server down, constraint violated by another instance's write), none of it
// is written. Memory already holds its changes, so before the failure is reported the store reads the touched
// nodes back from PostgreSQL and hands them to `onRollback` (the shell puts them into the core's state); the IQs
// that wrote in that batch are answered like StoreUnavailable from SQLite (resource-constraint, type wait).
// If PostgreSQL is unreachable the reload fails too; those nodes are reloaded after the next successful commit.
// Known limit: a batch recorded after the failed one and touching the same node is committed afterwards while
// its memory changes were replaced by the reload; a rare double fault (failure plus concurrent write to the
// same node in the same milliseconds) that the next reload or restart repairs.
import type pg from "pg";
import type { Change } from "../core/changes.ts";
import type { GroupCommit } from "../core/group-commit.ts";
import { StoreUnavailable } from "../core/store.ts";
import { POSTGRES } from "./dialect.ts";
import { announcementOf, NOTIFY_SQL } from "./postgres-listen.ts";
import { readState } from "./postgres-read.ts";
import { nodeOf, writesOf, writeStatements } from "./statements.ts";
import { TurnBatches, type Batch } from "./turn-batch.ts";

type Op = { name: string; text: string; values: unknown[] };
interface PostgresBatch extends Batch {
  ops: Op[];
}

const WRITES = writeStatements(POSTGRES);

export interface PostgresBatches extends Pick<GroupCommit, "recorded" | "onRollback"> {
  /** records the changes into the open batch: it cannot fail here; a failed batch fails committed() */
  record(changes: readonly Change[]): void;
  /** GroupCommit.durable(): settles once everything recorded so far is committed */
  committed(): Promise<void>;
  /** when the last batch committed (epoch ms), for the heartbeat */
  readonly lastCommit: number | undefined;
  /** waits until every batch recorded so far has settled */
  drain(): Promise<void>;
}

/** `instance`: this process's id, in NOTIFY payloads and as the holder of its temporary subscriptions */
export function postgresBatches(pool: pg.Pool, instance: string, log: (line: string) => void): PostgresBatches {
  let chain: Promise<void> = Promise.resolve(); // the last batch's commit (never rejects: failures go to batch.done)
  let lastCommit: number | undefined;
  // batches commit one after another on the chain, in the order they were recorded
  const turns = new TurnBatches<PostgresBatch>(
    (b) => ({ ...b, ops: [] }),
    (b) => {
      chain = chain.then(() => run(b).then(b.resolve, b.reject));
    },
  );

  // nodes whose reload failed after a failed batch (PostgreSQL unreachable): reloaded after the next good commit
  const dirty = new Set<string>();

  async function reload(names: string[]): Promise<void> {
    const reader = await pool.connect();
    try {
      const fresh = await readState(reader, names);
      turns.rolledBack(names, fresh);
      for (const n of names) dirty.delete(n);
    } finally {
      reader.release();
    }
  }

  async function run(batch: PostgresBatch): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      // named statements: parsed and planned once per connection. (Queuing them all at once without awaiting is
      // deprecated in node-postgres 8 and goes away in 9; one round trip each on loopback is ~0.1 ms.)
      await client.query("BEGIN");
      for (const op of batch.ops) await client.query(op);
      await client.query("COMMIT");
      client.release();
    } catch (e) {
      client?.query("ROLLBACK").catch(() => {});
      client?.release(true); // a failed connection is not reused
      const names = [...batch.touched.keys()];
      for (const n of names) dirty.add(n);
      await reload([...dirty]).catch((re: Error) =>
        log(
          `error: after a failed commit, reloading ${dirty.size} node(s) failed too (${re.message}); ` +
            "retried after the next commit",
        ),
      );
      throw new StoreUnavailable(`PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    lastCommit = Date.now();
    if (dirty.size)
      await reload([...dirty]).catch((re: Error) =>
        log(`error: reloading ${dirty.size} node(s) failed (${re.message}); retried after the next commit`),
      );
  }

  function record(c: Change): void {
    turns.recorded++;
    const open = turns.current();
    for (const w of writesOf(POSTGRES, WRITES, c, instance))
      open.ops.push({ name: `geo_${w.key}`, text: WRITES[w.key].text, values: w.values });
    const node = nodeOf(c);
    if (node !== undefined) open.touched.set(node, undefined);
    // NOTIFY in the same transaction as the change it announces (store/postgres-listen.ts)
    const announced = announcementOf(c);
    if (announced) {
      const [channel, ...what] = announced;
      open.ops.push({ name: "geo_notify", text: NOTIFY_SQL, values: [channel, JSON.stringify([instance, ...what])] });
    }
  }

  return {
    record: (changes) => {
      for (const c of changes) record(c);
    },
    // everything recorded earlier is in a batch already queued on the chain (its own promise rejects)
    committed: () => turns.open?.done ?? chain,
    get recorded() {
      return turns.recorded;
    },
    onRollback: turns.onRollback,
    get lastCommit() {
      return lastCommit;
    },
    async drain() {
      await turns.open?.done.catch(() => {});
      await chain;
    },
  };
}
