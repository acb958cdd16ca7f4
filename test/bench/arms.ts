// The components the figures start on the bench's Prosody, each a child process: the service, the pass-through
// (one notification per message), the batched pass-through and figure 9's digest pass-through.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Prosody } from "../../prosody/server.ts";
import type { BenchOptions } from "./options.ts";
import { startChild } from "./procs.ts";

export type ArmName = "service" | "pass-through" | "batched pass-through";
export type Arms = Record<ArmName, () => Promise<ChildProcess>>;

export function componentArms(
  prosody: Prosody,
  opts: BenchOptions,
): { children: Arms; digestPassThrough: () => Promise<ChildProcess> } {
  // GEO_RATE=0: a benchmark drives a few publishers far above the per-publisher abuse limit on purpose
  const serviceEnv = {
    GEO_SERVICE: prosody.componentService,
    GEO_SECRET: prosody.componentSecret,
    GEO_DOMAIN: prosody.component,
    GEO_DB: join(prosody.dataDir, "geo.sqlite"),
    GEO_RATE: "0",
  };
  const children = {
    service: () => startChild("component/src/main.ts", serviceEnv, /connected to /),
    "pass-through": () =>
      startChild(
        "test/bench/passthrough.ts",
        { PT_SERVICE: prosody.componentService, PT_SECRET: prosody.componentSecret, PT_DOMAIN: prosody.component },
        /passthrough online/,
      ),
    // the limit of several items per message: one write per turn, consecutive items of one node to one viewer in one
    // message
    "batched pass-through": () =>
      startChild(
        "test/bench/passthrough.ts",
        {
          PT_SERVICE: prosody.componentService,
          PT_SECRET: prosody.componentSecret,
          PT_DOMAIN: prosody.component,
          PT_BATCH: "1",
        },
        /passthrough online/,
      ),
  };
  // figure 9's baseline: newest item per publisher per viewer, one <items node='locations'> per viewer per period
  const digestPassThrough = () =>
    startChild(
      "test/bench/passthrough.ts",
      {
        PT_SERVICE: prosody.componentService,
        PT_SECRET: prosody.componentSecret,
        PT_DOMAIN: prosody.component,
        PT_DIGEST_MS: String(opts.digestArea.digestMs),
      },
      /passthrough online/,
    );
  return { children, digestPassThrough };
}
