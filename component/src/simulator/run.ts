// Runs a simulation: register accounts, log the publishers in, tick them, show progress, stop cleanly.
import type { Element } from "@xmpp/xml";
import type { SimOptions } from "./options.ts";
import { accountName } from "./options.ts";
import { Publisher } from "./publisher.ts";
import { registerAccount } from "./register.ts";
import { Stats, progressLine, summary } from "./stats.ts";
import { startViewers, type Viewers } from "./viewers.ts";

export interface RunIo {
  /** normal output (progress lines, summary) */
  log(line: string): void;
  /** rewrite the live status line (a terminal); undefined: print progress lines every opts.progressS */
  status?(line: string): void;
  /** every stanza a publisher receives, with the publisher's bare JID (for tests) */
  onStanza?(publisher: string, stanza: Element): void;
}

/** A failure the user can act on; `exitCode` 2 = could not start at all. */
export class SimError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** A pool of `n` slots: await acquire(), then call the release function it returns. */
export function semaphore(n: number): () => Promise<() => void> {
  let free = n;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((r) => waiting.push(r));
    return release;
  };
}

const hint = (opts: SimOptions) =>
  `Is the XMPP server running at ${opts.server} for domain ${opts.domain}? (npm run demo starts one with the service.)`;

async function registerAll(opts: SimOptions, io: RunIo, signal: AbortSignal): Promise<void> {
  const t0 = Date.now();
  const acquire = semaphore(opts.concurrency);
  let created = 0;
  let existed = 0;
  let firstError: Error | undefined;
  await Promise.all(
    Array.from({ length: opts.count }, async (_, i) => {
      const release = await acquire();
      try {
        if (signal.aborted || firstError) return;
        const r = await registerAccount(
          opts.server,
          opts.domain,
          accountName(opts.prefix, i, opts.count),
          opts.password,
          opts.timeoutMs,
        );
        if (r === "created") created++;
        else existed++;
      } catch (err) {
        firstError ??= err as Error;
      } finally {
        release();
      }
    }),
  );
  if (firstError) {
    const refused = /ECONNREFUSED/.test(firstError.message);
    const advice = refused
      ? hint(opts)
      : "Create the accounts yourself and run with --no-register, or fix the server's registration settings.";
    throw new SimError(`${firstError.message}\n${advice}`);
  }
  io.log(`accounts: ${created} created, ${existed} already there (${Date.now() - t0} ms)`);
}

/** Runs until opts.durationS elapses or `signal` aborts; returns the statistics (the summary is printed). */
export async function runSimulation(opts: SimOptions, io: RunIo, signal: AbortSignal): Promise<Stats> {
  const first = accountName(opts.prefix, 0, opts.count);
  const last = accountName(opts.prefix, opts.count - 1, opts.count);
  io.log(
    `simulating ${opts.count} publishers ${first}..${last}@${opts.domain} via ${opts.server}, service ${opts.service}`,
  );
  io.log(
    `  one fix every ${opts.intervalS} s within ${opts.area.radiusM} m of ${opts.area.lat},${opts.area.lon}; ` +
      `churn ${opts.churnPerMin}/min per publisher; seed ${opts.seed} (reproduce with --seed ${opts.seed})`,
  );
  if (opts.register) await registerAll(opts, io, signal);
  const viewers: Viewers | undefined = opts.viewers > 0 ? await startViewers(opts, io) : undefined;

  const cpu0 = process.cpuUsage();
  const stats = new Stats(Date.now(), opts.count);
  const reported = new Set<string>();
  const acquire = semaphore(opts.concurrency);
  const env = {
    opts,
    stats,
    acquire,
    now: () => Date.now(),
    onStanza: io.onStanza,
    report(kind: string, detail: string) {
      if (reported.has(kind)) return;
      reported.add(kind);
      io.log(`problem: ${detail} (repeats are counted in the summary)`);
    },
  };
  const publishers = Array.from({ length: opts.count }, (_, i) => new Publisher(i, env));
  const timers: NodeJS.Timeout[] = [];
  const intervalMs = opts.intervalS * 1000;
  publishers.forEach((p, i) => {
    // spread the publishers over the interval so the server sees a steady rate, not bursts
    timers.push(
      setTimeout(
        () => {
          p.tick();
          timers.push(setInterval(() => p.tick(), intervalMs));
        },
        (intervalMs * i) / opts.count,
      ),
    );
  });
  let progress: NodeJS.Timeout | undefined;
  const stopAll = async () => {
    for (const t of timers) clearTimeout(t);
    clearInterval(progress);
    if (io.status) io.status("");
    await Promise.all([...publishers.map((p) => p.stop()), viewers?.stop()]);
  };

  const t0 = Date.now();
  const ok = await Promise.all(publishers.map((p) => p.connect()));
  const online = ok.filter(Boolean).length;
  if (online === 0 && !signal.aborted) {
    await stopAll();
    const problems = [...stats.errorKinds.keys()].join(", ");
    const fix = problems.includes("not-authorized")
      ? `The accounts do not exist or have another password (--password); drop --no-register to create them.`
      : hint(opts);
    throw new SimError(`no publisher could log in (${problems}).\n${fix}`);
  }
  io.log(`${online}/${opts.count} publishers online after ${Date.now() - t0} ms`);
  const steady = { cpu: process.cpuUsage(), at: Date.now() };

  const show = () => {
    const line = progressLine(stats.takeWindow(Date.now())) + (viewers ? ` | ${viewers.line(Date.now())}` : "");
    if (io.status) io.status(line);
    else io.log(line);
  };
  progress = setInterval(show, io.status ? 1000 : opts.progressS * 1000);

  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
    if (opts.durationS > 0) {
      const remaining = opts.durationS * 1000 - (Date.now() - stats.startMs);
      timers.push(setTimeout(resolve, Math.max(0, remaining)));
    }
  });
  show();
  if (io.status) io.log("");
  const steadyCpu = process.cpuUsage(steady.cpu);
  const steadyWall = (Date.now() - steady.at) / 1000;
  io.log(`stopping: ${stats.online} publishers log out (unavailable)`);
  await stopAll();
  const cpu = process.cpuUsage(cpu0);
  io.log(summary(stats, Date.now(), (cpu.user + cpu.system) / 1e6));
  if (viewers) io.log(viewers.summary(Date.now()));
  if (steadyWall > 0) {
    const pct = ((steadyCpu.user + steadyCpu.system) / 1e6 / steadyWall) * 100;
    io.log(`  simulator CPU once all were logged in: ${pct.toFixed(1)}% of one core over ${steadyWall.toFixed(1)} s`);
  }
  return stats;
}
