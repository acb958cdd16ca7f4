// `npm run bench`: the service against Prosody's PEP and a pass-through component on a private Prosody. See --help.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { clusterFigures } from "./cluster-figures.ts";
import { PLAIN_AUTH, type BenchContext } from "./context.ts";
import { kneeFigures } from "./knee.ts";
import { memoryFigures } from "./memory-figures.ts";
import { HELP, readOptions, type BenchOptions } from "./options.ts";
import { publishPaths } from "./paths.ts";
import { killAllChildren, killEveryChild } from "./procs.ts";
import { runOnProsody } from "./run.ts";
import { Figures, quantile } from "./stats.ts";
import { renderTable, writeJson } from "./table.ts";

const t0 = Date.now();
const log = (s: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

let opts: BenchOptions;
try {
  const o = readOptions(process.argv.slice(2));
  if (o === "help") {
    console.log(HELP);
    process.exit(0);
  }
  opts = o;
} catch (e) {
  console.error(`bench: ${(e as Error).message}\n\n${HELP}`);
  process.exit(2);
}

const figs = new Figures();
const dataDir = mkdtempSync(join(tmpdir(), "geo-bench-"));
const R = opts.rounds;
/** figure n is selected (--only, or the mode's figures); 2 is measured with 1 */
const want = (n: number) => opts.figures.has(n === 2 ? 1 : n);
const c: BenchContext = { opts, figs, log, want, dataDir };

let prosody: Prosody | undefined;
let code = 0;
const onSignal = () => {
  killEveryChild();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(130);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
try {
  log(`mode ${opts.mode}: ${R} round(s) per figure`);
  if (want(5)) memoryFigures(c);
  if (want(1) || want(3) || want(4) || want(6) || want(9)) {
    prosody = await startProsody({ dataDir, virtualHostExtra: PLAIN_AUTH });
    log(`private Prosody pid ${prosody.pid} on ${prosody.c2sService}`);
    await runOnProsody(c, prosody);
    await prosody.stop();
    prosody = undefined;
  }
  // 10: the knee, on Prosodys of its own (two components on one, and a second with Prosody's GC parameters)
  if (want(10))
    await kneeFigures({ figs, dataDir: join(dataDir, "knee"), virtualHostExtra: PLAIN_AUTH, o: opts.knee, log });
  if (want(7)) await clusterFigures(c);
  if (want(8)) {
    for (const [path, rounds] of await publishPaths(opts.pathFixes, R, log)) {
      const s8 = `8 publish paths, one fix at a time, ${opts.pathFixes} fixes/round`;
      figs.add(
        s8,
        `${path}: publish -> viewer p50`,
        rounds.map((l) => quantile(l, 0.5)),
        "ms",
      );
      figs.add(
        s8,
        `${path}: publish -> viewer p95`,
        rounds.map((l) => quantile(l, 0.95)),
        "ms",
      );
    }
  }
  const order = (s: string) => s.split(" ")[0];
  const sorted = [...figs.all].sort(
    (a, b) =>
      parseInt(order(a.section)) - parseInt(order(b.section)) || order(a.section).localeCompare(order(b.section)),
  );
  console.log(`\n${renderTable(sorted)}\n`);
  if (opts.out) {
    writeJson(
      opts.out,
      { mode: opts.mode, rounds: R, date: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 },
      sorted,
    );
    log(`wrote ${opts.out}`);
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  code = 1;
} finally {
  killAllChildren();
  await prosody?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
