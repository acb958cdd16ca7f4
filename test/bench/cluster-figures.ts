// Figure 7 as table rows: the measurements of cluster.ts.
import { benchCluster } from "./cluster.ts";
import type { BenchContext } from "./context.ts";
import { median } from "./stats.ts";

/** 7. Several instances on ejabberd sharing PostgreSQL (issue 8): 1 vs 2 instances, CPU per publish, the split. */
export async function clusterFigures({ opts, figs, log }: BenchContext): Promise<void> {
  const c = opts.cluster;
  const R = opts.rounds;
  const rounds = Math.min(R, 3);
  // one set-up per instance count (ejabberd, database, connected publishers: most of the figure's time), measured
  // `rounds` times on it; bare_source hashes the same JIDs the same way every time, so the split is measured once
  const { arms, split } = await benchCluster({ ...c, rounds, log });
  const s7 = `7 cluster on ejabberd + PostgreSQL, ${c.publishers} publishers x ${c.publishesEach} per round`;
  for (const [n, list] of arms) {
    figs.add(
      s7,
      `${n}: acknowledged publishes/s`,
      list.map((a) => a.rate),
      "/s",
    );
    figs.add(
      s7,
      `${n}: CPU per 1,000 publishes, each instance (mean)`,
      list.map((a) => a.cpuPerThousand.instances.reduce((x, y) => x + y, 0) / a.cpuPerThousand.instances.length),
      "s",
    );
    figs.add(
      s7,
      `${n}: ejabberd CPU per 1,000 publishes (all nodes)`,
      list.map((a) => a.cpuPerThousand.ejabberd),
      "s",
    );
    figs.add(
      s7,
      `${n}: PostgreSQL CPU per 1,000 publishes`,
      list.map((a) => a.cpuPerThousand.postgres),
      "s",
    );
    figs.add(
      s7,
      `${n}: PostgreSQL commits/s`,
      list.map((a) => a.commits.perSecond),
      "/s",
    );
  }
  const one = arms.get("1 instance, 1 node") ?? [],
    two = arms.get("2 instances, 2 nodes") ?? [];
  if (one.length && two.length)
    figs.add(
      s7,
      "ratio 2 instances on 2 nodes / 1 on 1",
      [median(two.map((a) => a.rate)) / median(one.map((a) => a.rate))],
      "x",
      "medians; the set-ups run one after the other, 2 cores shared",
    );
  if (split)
    figs.add(
      s7,
      `bare_source split of ${c.splitPublishers.toLocaleString("en-US")} publishers: largest deviation from even`,
      [split.maxDeviationPct],
      "%",
      "measured once: the hash is deterministic",
    );
}
