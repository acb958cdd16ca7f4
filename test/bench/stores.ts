// `npx tsx test/bench/stores.ts [publishes] [inFlight]`: acknowledged publishes per second through the real
// component on a private Prosody, SQLite (one transaction per publish) vs PostgreSQL (group commit: one transaction
// per event-loop turn), one publisher, `inFlight` IQs outstanding. Arms alternate, 3 rounds each; medians printed.
import pg from "pg";
import { openPostgresStore } from "../../component/src/store/postgres.ts";
import { geoloc, publishEl } from "../support/client.ts";
import { startPostgres } from "../support/postgres.ts";
import { startStack } from "../support/stack.ts";

const N = Number(process.argv[2] ?? 2000);
const IN_FLIGHT = Number(process.argv[3] ?? 20);
const pgs = await startPostgres();
const results: Record<string, number[]> = { sqlite: [], postgres: [] };
const commits: number[] = [];
try {
  for (let round = 0; round < 3; round++) {
    for (const arm of ["sqlite", "postgres"] as const) {
      const url = arm === "postgres" ? await pgs.createDatabase(`bench_${round}`) : "";
      const stack = await startStack(arm === "postgres" ? { store: await openPostgresStore(url) } : {});
      const count = async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          return Number(
            (await c.query("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")).rows[0]
              .xact_commit,
          );
        } finally {
          await c.end();
        }
      };
      try {
        const pub = await stack.user("bench");
        await pub.iq("set", publishEl(geoloc({ lat: 0, lon: 0 }))); // node created; warm
        const before = arm === "postgres" ? await count() : 0;
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < N) {
              const i = next++;
              await pub.iq("set", publishEl(geoloc({ lat: (i % 180) - 89, lon: 1 })));
            }
          }),
        );
        const rate = N / ((performance.now() - t0) / 1000);
        results[arm].push(rate);
        if (arm === "postgres") commits.push((await count()) - before);
        console.log(`round ${round + 1} ${arm}: ${rate.toFixed(0)} acked publishes/s`);
      } finally {
        await stack.stop();
      }
    }
  }
} finally {
  await pgs.stop();
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(
  `median: sqlite ${median(results.sqlite).toFixed(0)}/s, postgres ${median(results.postgres).toFixed(0)}/s ` +
    `(${N} publishes, ${IN_FLIGHT} in flight; ` +
    `postgres transactions per run ${commits.join(", ")} incl. a few for the counter)`,
);
