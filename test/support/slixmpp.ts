// slixmpp, a client library nobody here wrote, for the integration tests: starts test/support/slixmpp/driver.py
// with Debian's /usr/bin/python3 (python3-slixmpp is installed for that python only: component/PLATFORM.md) and speaks
// its JSON lines. A missing python or slixmpp fails loudly with the install command.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const SLIXMPP_INSTALL = "apt-get update && apt-get install -y python3 python3-slixmpp";
const PYTHON = "/usr/bin/python3";
const DRIVER = join(import.meta.dirname, "slixmpp", "driver.py");

/** An <error/> as slixmpp reports it (report.py error_value). */
export interface SlixmppError {
  type: string;
  condition: string;
  text: string;
  app: string;
  feature: string;
}
export interface SlixmppGeoloc {
  lat: number | null;
  lon: number | null;
  accuracy: number | null;
  text: string;
  timestamp: string;
  empty: boolean;
}
export type SlixmppItem =
  | { id: string; publisher: string | null; geoloc?: SlixmppGeoloc; presence?: string; from?: string | null }
  | { retract: string };
/**
 * A pubsub event message a slixmpp client received, with every item of its <items/> (report.py event_value);
 * `raised`: how many times slixmpp's xep_0060 plugin raised pubsub_publish/pubsub_retract for it (driver.py).
 */
export interface SlixmppEvent {
  event: "items";
  client: string;
  raised: number;
  from: string;
  type: string;
  node: string;
  items: SlixmppItem[];
}

export class SlixmppIqError extends Error {
  constructor(
    readonly op: string,
    readonly error: SlixmppError,
  ) {
    super(`slixmpp ${op}: the service answered ${JSON.stringify(error)}`);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; op: string };
type Waiter = { pred: (e: SlixmppEvent) => boolean; resolve: (e: SlixmppEvent) => void };

export class Slixmpp {
  readonly events: SlixmppEvent[] = [];
  private pending = new Map<number, Pending>();
  private waiters: Waiter[] = [];
  private n = 0;
  private stderr = "";

  /** settles with the driver's first line: ready (its slixmpp version) or fatal (cannot import slixmpp) */
  readonly ready: Promise<string>;

  constructor(private readonly proc: ChildProcess) {
    let started: (version: string) => void, failed: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    proc.stderr!.on("data", (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    proc.once("error", (e) =>
      failed(new Error(`cannot start ${PYTHON}: ${e.message}. Install it with: ${SLIXMPP_INSTALL}`)),
    );
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = JSON.parse(line);
      if (m.event === "ready") started(m.slixmpp);
      else if (m.event === "fatal") failed(new Error(m.message));
      else this.receive(m);
    });
    proc.once("exit", (code, signal) => {
      failed(
        new Error(
          `the slixmpp driver exited (${code ?? signal}):\n${this.stderr}\nInstall slixmpp with: ${SLIXMPP_INSTALL}`,
        ),
      );
      for (const p of this.pending.values())
        p.reject(new Error(`slixmpp driver exited (${code ?? signal}) during ${p.op}:\n${this.stderr}`));
      this.pending.clear();
    });
  }

  private receive(m: { id?: number; ok?: unknown; error?: SlixmppError; fail?: string; event?: string }): void {
    if (m.id === undefined) {
      if (m.event !== "items") return;
      const e = m as unknown as SlixmppEvent;
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.fail !== undefined) p.reject(new Error(`slixmpp ${m.fail}\n${this.stderr}`));
    else if (m.error !== undefined) p.reject(new SlixmppIqError(p.op, m.error));
    else p.resolve(m.ok);
  }

  /** Runs one driver operation (driver.py op_*); rejects with SlixmppIqError when the service answers an error. */
  call<T = unknown>(op: string, args: Record<string, unknown>): Promise<T> {
    const id = ++this.n;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op });
      this.proc.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** The error slixmpp reports for an operation that must fail. */
  async callError(op: string, args: Record<string, unknown>): Promise<SlixmppError> {
    try {
      const r = await this.call(op, args);
      throw new Error(`slixmpp ${op}: expected an error, got ${JSON.stringify(r)}`);
    } catch (e) {
      if (e instanceof SlixmppIqError) return e.error;
      throw e;
    }
  }

  /** Resolves with the first event (already received or future) matching `pred`. */
  waitEvent(pred: (e: SlixmppEvent) => boolean, what: string, timeoutMs = 15_000): Promise<SlixmppEvent> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`slixmpp: timed out waiting for ${what}; the driver's stderr:\n${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  /** Ends the driver: stdin closes, it exits; killed by its PID if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once("exit", () => r()));
    this.proc.stdin!.end();
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Starts the driver; resolves once slixmpp is imported and the driver reads commands. */
export async function startSlixmpp(): Promise<Slixmpp> {
  if (!existsSync(PYTHON))
    throw new Error(
      `${PYTHON} is missing; the slixmpp tests need Debian's python3 and python3-slixmpp. ` +
        `Install them with: ${SLIXMPP_INSTALL}`,
    );
  // PYTHONDONTWRITEBYTECODE: no __pycache__ next to the scripts in the work tree
  const proc = spawn(PYTHON, [DRIVER], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  const sx = new Slixmpp(proc);
  await sx.ready;
  return sx;
}
