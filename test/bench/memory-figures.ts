// Figure 5: the service's memory per publisher and per stored history item, each measured in a child process
// (test/bench/memory.ts) with the GC exposed.
import { execFileSync } from "node:child_process";
import type { BenchContext } from "./context.ts";
import { median } from "./stats.ts";

export function memoryFigures({ opts, figs, log }: BenchContext): void {
  const R = opts.rounds;
  const child = (count: number, items: number) => {
    const out = execFileSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "test/bench/memory.ts", String(count), String(items)],
      { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
    );
    return JSON.parse(out.trim().split("\n").pop()!) as { perPublisherBytes: number; rssDelta: number };
  };
  const HISTORY = 20;
  for (const count of opts.memoryCounts) {
    const heap: number[] = [],
      rss: number[] = [],
      perItem: number[] = [];
    for (let r = 0; r < Math.min(R, 3); r++) {
      const one = child(count, 1),
        many = child(count, HISTORY);
      heap.push(one.perPublisherBytes);
      rss.push(one.rssDelta / count);
      perItem.push((many.perPublisherBytes - one.perPublisherBytes) / (HISTORY - 1));
    }
    const n = count.toLocaleString("en-US");
    figs.add(
      "5 memory",
      `heap per publisher, ${n} publishers, last fix only`,
      heap,
      "bytes",
      "live objects after GC: core, shell, SQLite",
    );
    figs.add("5 memory", `RSS per publisher, ${n} publishers, last fix only`, rss, "bytes", "includes V8 heap slack");
    figs.add("5 memory", `heap per stored history item, ${n} publishers x ${HISTORY}`, perItem, "bytes");
    log(
      `memory ${n} publishers: heap ${Math.round(median(heap))} B/publisher, ` +
        `RSS ${Math.round(median(rss))} B/publisher, ${Math.round(median(perItem))} B per history item`,
    );
  }
}
