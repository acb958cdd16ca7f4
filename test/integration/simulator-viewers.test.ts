// The simulator's viewers (--viewers) against Prosody and the service: every mode subscribes and receives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseOptions } from "../../component/src/simulator/options.ts";
import { runSimulation } from "../../component/src/simulator/run.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

describe("simulated viewers", () => {
  it("runs plain, digest and area viewers and reports what each received", async () => {
    const parsed = parseOptions([
      "--count",
      "6",
      "--interval",
      "0.2",
      "--churn",
      "0",
      "--duration",
      "3",
      "--seed",
      "3",
      "--prefix",
      "vsim-",
      "--server",
      stack.prosody.c2sService,
      "--domain",
      stack.prosody.domain,
      "--service",
      stack.componentJid,
      "--viewers",
      "3",
      "--viewer-mode",
      "all",
      "--digest-ms",
      "500",
      "--radius",
      "400",
    ]);
    if (parsed.kind !== "ok") throw new Error(JSON.stringify(parsed));
    const lines: string[] = [];
    await runSimulation(parsed.options, { log: (l) => lines.push(l) }, new AbortController().signal);
    expect(lines.find((l) => l.startsWith("viewers: "))).toMatch(
      /^viewers: 3\/3 subscribed \(1 plain, 1 digest, 1 area\)/,
    );
    const summary = lines.find((l) => l.includes("viewers, per viewer"))!;
    const rate = (mode: string) =>
      Number(new RegExp(`${mode} (\\d+) items/s in ([\\d.]+) msgs/s, ([\\d.]+) items per message`).exec(summary)?.[1]);
    const perMessage = (mode: string) =>
      Number(new RegExp(`${mode} \\d+ items/s in [\\d.]+ msgs/s, ([\\d.]+) items per message`).exec(summary)?.[1]);
    expect(rate("plain")).toBeGreaterThan(0);
    expect(rate("digest")).toBeGreaterThan(0);
    // 6 publishers at 5/s in 0.5 s digests: several items per message
    expect(perMessage("digest")).toBeGreaterThan(perMessage("plain"));
    expect(summary).toMatch(/area \d+ items\/s/);
  });
});
