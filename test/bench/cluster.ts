// Cluster figure (issue 8 part 5): acknowledged publishes/s through 1 vs 2 component instances for one domain on a
// private ejabberd (domain_balancing bare_source) sharing a private PostgreSQL, the CPU each instance spends per
// publish, and how evenly bare_source splits publishers over 2 instances. Exported for test/bench/main.ts;
// `npx tsx test/bench/cluster.ts [publishers] [publishesEach] [inFlight] [splitPublishers] [rounds]` runs it alone.
import { xml } from "@xmpp/client";
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { startEjabberd, type Ejabberd } from "../support/ejabberd.ts";
import { startEjabberdCluster } from "../support/ejabberd-cluster.ts";
import { startInstance, type Instance } from "../support/cluster.ts";
import { startPostgres, type Postgres } from "../support/postgres.ts";
import { connectMany, publishStanza, stopAll, type BenchClient } from "./clients.ts";
import { cpuSeconds, startChild, stopChild } from "./procs.ts";

export interface ClusterArm {
  instances: number;
  /** ejabberd nodes (2: a cluster; instance i connects to node i, publishers log in to node 1) */
  nodes: number;
  publishers: number;
  publishes: number;
  /** acknowledged publishes per second */
  rate: number;
  /** CPU seconds per 1,000 publishes, per instance process, and ejabberd's */
  cpuPerThousand: { instances: number[]; ejabberd: number; ejabberdNodes: number[]; postgres: number };
  /** PostgreSQL transactions committed in the bench database, per second and per 1,000 publishes */
  commits: { perSecond: number; perThousand: number };
}

export interface ClusterFigures {
  /** per set-up ("1 instance, 1 node", "2 instances, 1 node", "2 instances, 2 nodes"), one entry per round */
  arms: Map<string, ClusterArm[]>;
  /**
   * publishers per instance with 2 instances, and the largest deviation from an even split in percent (not measured
   * when splitPublishers is 0)
   */
  split?: { publishers: number; counts: number[]; maxDeviationPct: number };
}

export interface ClusterOptions {
  publishers?: number;
  publishesEach?: number;
  inFlight?: number;
  splitPublishers?: number;
  rounds?: number;
  log?: (line: string) => void;
}

/** One set-up (ejabberd, database, `n` instances, connected publishers), measured `rounds` times on it. */
/** CPU seconds of PostgreSQL: the postmaster and every process it started (backends, writer, WAL writer...). */
function postgresCpu(postmaster: number): number {
  let sum = cpuSeconds(postmaster);
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) sum += cpuSeconds(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return sum;
}

async function arm(
  pgs: Postgres,
  n: number,
  nodes: 1 | 2,
  o: Required<Omit<ClusterOptions, "log">>,
  log: (l: string) => void,
): Promise<ClusterArm[]> {
  const cluster = nodes === 2 ? await startEjabberdCluster(2, { componentNumber: n }) : undefined;
  const ejds: Ejabberd[] = cluster?.nodes ?? [await startEjabberd(n > 1 ? { componentNumber: n } : {})];
  const ejd = ejds[0];
  const db = await pgs.createDatabase(`bench_cluster_${n}_${nodes}_${Date.now()}`);
  const dbName = db.split("/").pop()!;
  const commits = async () => {
    const c = new pg.Client({ connectionString: pgs.url });
    await c.connect();
    try {
      return Number(
        (await c.query("SELECT xact_commit FROM pg_stat_database WHERE datname = $1", [dbName])).rows[0].xact_commit,
      );
    } finally {
      await c.end();
    }
  };
  const procs = [];
  let pubs: BenchClient[] = [];
  try {
    for (let i = 0; i < n; i++) {
      procs.push(
        await startChild(
          "component/src/main.ts",
          {
            // GEO_RATE=0: each publisher publishes far above the per-publisher abuse limit on purpose (as in figure 1)
            GEO_SERVICE: ejds[i % ejds.length].componentService,
            GEO_SECRET: ejd.componentSecret,
            GEO_DB: db,
            GEO_RATE: "0",
            ...(n > 1 && { GEO_SLOTS: String(n) }),
          },
          / connected to /,
        ),
      );
    }
    pubs = await connectMany(ejd, "cp", o.publishers, "bench", 10); // ejabberd listeners: backlog 5 by default
    await Promise.all(pubs.map((p) => p.iq("set", ejd.component, publishStanza("warm")))); // nodes created
    const total = o.publishers * o.publishesEach;
    const pids = procs.map((p) => p.pid!);
    const rounds: ClusterArm[] = [];
    // round -1 warms up (JIT, PostgreSQL's caches) and is not measured
    for (let r = -1; r < o.rounds; r++) {
      // publishers interleaved (each one's k-th fix before anyone's k+1-th), so every instance has work all along
      const work = Array.from({ length: o.publishesEach }, (_, k) => pubs.map((p) => ({ p, id: `r${r}f${k}` }))).flat();
      const before = {
        inst: pids.map(cpuSeconds),
        ejd: ejds.map((e) => cpuSeconds(e.pid)),
        pg: postgresCpu(pgs.pid),
        commits: await commits(),
      };
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: o.inFlight }, async () => {
          while (next < work.length) {
            const w = work[next++];
            await w.p.iq("set", ejd.component, publishStanza(w.id));
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      const per = (s: number) => (s * 1000) / total;
      const ejabberdNodes = ejds.map((e, i) => per(cpuSeconds(e.pid) - before.ejd[i]));
      const pgCpu = per(postgresCpu(pgs.pid) - before.pg);
      const committed = (await commits()) - before.commits; // includes the few reads' and the stats query's own
      const result: ClusterArm = {
        instances: n,
        nodes,
        publishers: o.publishers,
        publishes: total,
        rate: total / secs,
        cpuPerThousand: {
          instances: pids.map((pid, i) => per(cpuSeconds(pid) - before.inst[i])),
          ejabberd: ejabberdNodes.reduce((a, b) => a + b, 0),
          ejabberdNodes,
          postgres: pgCpu,
        },
        commits: { perSecond: committed / secs, perThousand: per(committed) },
      };
      if (r < 0) continue;
      const sum = (cs: number[]) => cs.map((c) => c.toFixed(2)).join(" + ");
      const { perSecond, perThousand } = result.commits;
      log(
        `cluster ${n} instance(s) on ${nodes} ejabberd node(s), round ${r + 1}/${o.rounds}: ` +
          `${result.rate.toFixed(0)} acked publishes/s; CPU s per 1,000 publishes: ` +
          `instances ${sum(result.cpuPerThousand.instances)}, ejabberd ${sum(ejabberdNodes)}, ` +
          `PostgreSQL ${pgCpu.toFixed(2)}; ` +
          `${perSecond.toFixed(0)} commits/s (${perThousand.toFixed(0)} per 1,000 publishes)`,
      );
      rounds.push(result);
    }
    return rounds;
  } finally {
    await stopAll(pubs);
    for (const p of procs) await stopChild(p);
    if (cluster) await cluster.stop();
    else await ejd.stop();
  }
}

/** How bare_source splits `count` publishers over 2 instances: each pings once; the instances count senders. */
async function split(pgs: Postgres, count: number, log: (l: string) => void): Promise<ClusterFigures["split"]> {
  const ejd = await startEjabberd({ componentNumber: 2 });
  const db = await pgs.createDatabase(`bench_split_${Date.now()}`);
  const inst: Instance[] = [];
  let users: BenchClient[] = [];
  try {
    inst.push(await startInstance("a", ejd, db), await startInstance("b", ejd, db));
    users = await connectMany(ejd, "sp", count, "bench", 10);
    await Promise.all(users.map((u) => u.iq("get", ejd.component, xml("ping", { xmlns: "urn:xmpp:ping" }))));
    const counts = inst.map((i) => users.filter((u) => i.senders.has(u.bare)).length);
    const maxDeviationPct = Math.max(...counts.map((c) => (Math.abs(c - count / 2) / (count / 2)) * 100));
    log(
      `bare_source split of ${count} publishers over 2 instances: ${counts.join(" / ")} ` +
        `(largest deviation from even ${maxDeviationPct.toFixed(1)}%)`,
    );
    return { publishers: count, counts, maxDeviationPct };
  } finally {
    await stopAll(users);
    for (const i of inst) await i.stop();
    await ejd.stop();
  }
}

export async function benchCluster(opts: ClusterOptions = {}): Promise<ClusterFigures> {
  const o = { publishers: 200, publishesEach: 20, inFlight: 50, splitPublishers: 1000, rounds: 1, ...opts };
  const log = opts.log ?? ((l: string) => console.log(l));
  const pgs = await startPostgres();
  try {
    const arms = new Map([
      ["1 instance, 1 node", await arm(pgs, 1, 1, o, log)],
      ["2 instances, 1 node", await arm(pgs, 2, 1, o, log)],
      // the two-node cluster: instance i next to node i, publishers on node 1, so half of them cross nodes
      ["2 instances, 2 nodes", await arm(pgs, 2, 2, o, log)],
    ]);
    return { arms, ...(o.splitPublishers > 0 && { split: await split(pgs, o.splitPublishers, log) }) };
  } finally {
    await pgs.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [p, e, f, s, r] = process.argv.slice(2).map(Number);
  const figures = await benchCluster({
    ...(p && { publishers: p }),
    ...(e && { publishesEach: e }),
    ...(f && { inFlight: f }),
    ...(s && { splitPublishers: s }),
    ...(r && { rounds: r }),
  });
  console.log(JSON.stringify({ ...figures, arms: Object.fromEntries(figures.arms) }));
  process.exit(0);
}
