// CLI entry: npm run simulate -- [options]   (see --help)
import { randomInt } from "node:crypto";
import { HELP, parseOptions } from "./options.ts";
import { runSimulation, SimError } from "./run.ts";

const parsed = parseOptions(process.argv.slice(2), process.env, randomInt(2 ** 32 - 1));
if (parsed.kind === "help") {
  process.stdout.write(HELP);
  process.exit(0);
}
if (parsed.kind === "error") {
  console.error(parsed.message);
  process.exit(2);
}

const controller = new AbortController();
let firstSignal = 0;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    // npm and tsx relay the terminal's Ctrl-C, so one keypress can arrive twice: only a later one forces.
    if (firstSignal && Date.now() - firstSignal < 2000) return;
    if (firstSignal) {
      console.error(`\n${sig} again: exiting without waiting for the logouts`);
      process.exit(130);
    }
    firstSignal = Date.now();
    controller.abort();
  });
}

const tty = process.stderr.isTTY;
const io = {
  log: (line: string) => console.log(line),
  status: tty ? (line: string) => process.stderr.write(`\r${line}\x1b[K`) : undefined,
};

try {
  const stats = await runSimulation(parsed.options, io, controller.signal);
  if (stats.failedRun()) {
    console.error(`most publishes failed (${stats.failed} failed, ${stats.publishes} acknowledged): exit code 1`);
    process.exitCode = 1;
  }
} catch (err) {
  if (err instanceof SimError) {
    console.error(`simulator: ${err.message}`);
    process.exitCode = err.exitCode;
  } else {
    console.error("simulator: unexpected failure", err);
    process.exitCode = 1;
  }
}
// Sockets of sessions that never logged in may still be closing: do not wait for them.
setTimeout(() => process.exit(), 200).unref();
