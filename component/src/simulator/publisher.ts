// One simulated publisher over time: it moves (movement.ts), churns (churn.ts), and drives its sessions.
import type { Element } from "@xmpp/xml";
import type { Geoloc } from "../core/geoloc.ts";
import { nextChurn, type ChurnEvent } from "./churn.ts";
import { createMover, step, toGeoloc, type Mover } from "./movement.ts";
import { accountName, type SimOptions } from "./options.ts";
import { seedFor, type RngState } from "./random.ts";
import { Session } from "./session.ts";
import type { Stats } from "./stats.ts";

export interface PublisherEnv {
  opts: SimOptions;
  stats: Stats;
  /** waits for a login slot (bounded concurrency); call the returned function to free it */
  acquire(): Promise<() => void>;
  now(): number;
  /** a problem worth telling the user about (the runner prints each kind once) */
  report(kind: string, detail: string): void;
  /** every stanza a publisher's session receives (tests record acknowledged item ids with it) */
  onStanza?(publisher: string, stanza: Element): void;
}

const RETRY_S = [2, 5, 10, 30];

export class Publisher {
  readonly user: string;
  private mover: Mover;
  private churnRng: RngState;
  private session?: Session;
  private sessionNo = 0;
  private isOnline = false;
  private down = false; // inside a churn event, until it is undone
  private sharing = true;
  private pending?: Session; // the session with a publish awaiting its ack
  private stopped = false;
  private configured = false;
  private retries = 0;
  private serverNo = 0; // index into opts.servers: moves on when a session is lost or a login fails
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly index: number,
    private env: PublisherEnv,
  ) {
    const { opts } = env;
    this.user = accountName(opts.prefix, index, opts.count);
    this.mover = createMover(seedFor(opts.seed, index, 0), opts.area);
    this.churnRng = seedFor(opts.seed, index, 1);
  }

  get jid(): string {
    return `${this.user}@${this.env.opts.domain}`;
  }

  /** Opens a new session: login, then available presence. Resolves true when online. */
  async connect(): Promise<boolean> {
    const { opts, stats } = this.env;
    const release = await this.env.acquire();
    if (this.stopped) {
      release();
      return false;
    }
    const session = new Session({
      server: opts.servers[this.serverNo % opts.servers.length],
      domain: opts.domain,
      service: opts.service,
      user: this.user,
      password: opts.password,
      resource: `sim${++this.sessionNo}`,
      timeoutMs: opts.timeoutMs,
      authorize: opts.authorize,
      onLost: (why) => this.lost(session, why),
      ...(this.env.onStanza && { onStanza: (st: Element) => this.env.onStanza!(this.jid, st) }),
    });
    try {
      await session.start();
    } catch (err) {
      const why = (err as Error).message;
      stats.error(why);
      this.env.report(why, `${this.jid}: ${why}`);
      this.serverNo++;
      this.later(RETRY_S[Math.min(this.retries++, RETRY_S.length - 1)], () => this.connect());
      return false;
    } finally {
      release();
    }
    if (this.stopped) {
      await session.logout();
      return false;
    }
    this.retries = 0;
    this.session = session;
    stats.connects++;
    this.setOnline(true);
    session.presence();
    return true;
  }

  /** One update interval has passed: move, maybe churn, publish the new fix. */
  tick(): void {
    const { opts } = this.env;
    this.mover = step(this.mover, opts.intervalS, opts.area);
    if (this.stopped || !this.session?.online) return;
    if (!this.down) {
      const [event, next] = nextChurn(this.churnRng, opts.churnPerMin, opts.intervalS, opts.downtimeS);
      this.churnRng = next;
      if (event) return this.churn(event);
    }
    if (this.sharing) this.publish(toGeoloc(this.mover, opts.area, this.env.now(), opts.noteChance));
  }

  private churn(e: ChurnEvent): void {
    const session = this.session!;
    this.env.stats.churn[e.kind]++;
    this.down = true;
    const back = () => {
      this.down = false;
    };
    switch (e.kind) {
      case "drop":
      case "logout":
        this.session = undefined;
        this.setOnline(false);
        if (e.kind === "drop") session.drop();
        else void session.logout();
        this.later(e.downS, async () => {
          back();
          await this.connect();
        });
        break;
      case "away":
        session.presence("away");
        this.later(e.downS, () => {
          back();
          if (this.session === session) session.presence();
        });
        break;
      case "stop-sharing":
        this.sharing = false;
        this.publish({}); // XEP-0080 §4.1: an empty <geoloc/> means "stopped sharing"
        this.later(e.downS, () => {
          back();
          this.sharing = true;
        });
        break;
    }
  }

  private publish(g: Geoloc): void {
    const session = this.session!;
    const { stats, opts } = this.env;
    if (this.pending === session) {
      stats.skipped++;
      return;
    } // the previous fix is not acknowledged yet: do not pile up
    this.pending = session;
    // The first publish of the run carries the access model, so a node it creates is never open to viewers.
    const withOptions = opts.accessModel && !this.configured ? opts.accessModel : undefined;
    session
      .publish(g, withOptions)
      .then(
        (ms) => {
          stats.ack(ms);
          if (withOptions) this.configured = true;
        },
        (err) => {
          if (session !== this.session) return; // we dropped that session ourselves: not the service's failure
          const reason = (err as Error).message;
          // XEP-0060 §7.1.5: an existing node configured otherwise refuses the options (conflict,
          // precondition-not-met): not a failure, configure the node instead (§8.2).
          if (withOptions && !this.configured) this.configure(session);
          if (withOptions && reason === "conflict") return;
          const why = `publish: ${reason}`;
          stats.fail(why);
          this.env.report(why, `${this.jid}: ${why}`);
        },
      )
      .finally(() => {
        if (this.pending === session) this.pending = undefined;
      });
  }

  private configure(session: Session): void {
    const { opts, stats } = this.env;
    this.configured = true;
    session.configure(opts.accessModel!).catch((err) => {
      const why = `configure: ${(err as Error).message}`;
      stats.error(why);
      this.env.report(why, `${this.jid}: setting access model ${opts.accessModel}: ${(err as Error).message}`);
    });
  }

  private lost(session: Session, why: string): void {
    if (session !== this.session || this.stopped) return;
    this.session = undefined;
    this.setOnline(false);
    this.env.stats.error(why);
    this.env.report(why, `${this.jid}: ${why}; reconnecting`);
    this.serverNo++;
    this.later(RETRY_S[Math.min(this.retries++, RETRY_S.length - 1)], () => this.connect());
  }

  /** Ctrl-C: a clean logout (unavailable) for whoever is online. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const s = this.session;
    this.session = undefined;
    this.setOnline(false);
    await s?.logout();
  }

  private setOnline(on: boolean): void {
    if (on === this.isOnline) return;
    this.isOnline = on;
    this.env.stats.online += on ? 1 : -1;
  }

  private later(seconds: number, fn: () => unknown): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void fn();
    }, seconds * 1000);
    this.timers.add(t);
  }
}
