// The simulator against the real Prosody + component: a viewer sees every simulated publisher with a position
// and a presence, sees churn (offline and back, away, stopped sharing), and sees everyone leave on stop.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { startStack, type Stack } from "../support/stack.ts";
import type { TestClient } from "../support/client.ts";
import { NS, NODES } from "../../component/src/protocol/ns.ts";
import { readGeoloc } from "../../component/src/protocol/geoloc.ts";
import { readPresencePayload } from "../../component/src/protocol/presence.ts";
import { parseOptions, type SimOptions } from "../../component/src/simulator/options.ts";
import { runSimulation } from "../../component/src/simulator/run.ts";
import type { Stats } from "../../component/src/simulator/stats.ts";
import { CITIES, NOTES } from "../../component/src/simulator/places.ts";

const COUNT = 20;

interface Seen {
  lat?: string;
  online?: boolean;
  show?: string;
  everPositioned: boolean;
  everOnline: boolean;
  wentOffline: boolean;
  cameBack: boolean;
  wentAway: boolean;
  stoppedSharing: boolean;
}

/** What one viewer has learnt from the service's notifications, with waits on conditions (no sleeping). */
class Watch {
  readonly by = new Map<string, Seen>();
  private waiters: { check: () => boolean; done: () => void }[] = [];
  /** non-ASCII notes that arrived different from every note the simulator sends (a UTF-8 decoding bug) */
  readonly garbled: string[] = [];
  notes = 0;

  constructor(private prefix: string) {}

  private get(jid: string): Seen {
    let s = this.by.get(jid);
    if (!s)
      this.by.set(
        jid,
        (s = {
          everPositioned: false,
          everOnline: false,
          wentOffline: false,
          cameBack: false,
          wentAway: false,
          stoppedSharing: false,
        }),
      );
    return s;
  }

  onStanza(st: Element): void {
    const items = st.getChild("event", NS.pubsubEvent)?.getChild("items");
    if (!st.is("message") || !items) return;
    for (const item of items.getChildren("item")) {
      const publisher = item.attrs.publisher as string | undefined;
      if (!publisher?.startsWith(this.prefix)) continue;
      const s = this.get(publisher);
      const geoloc = item.getChild("geoloc", NS.geoloc);
      const presence = item.getChild("presence", NS.client);
      if (geoloc) {
        const g = readGeoloc(geoloc);
        if (g.text !== undefined) {
          this.notes++;
          const known = Object.values(NOTES).flat() as string[];
          if (!known.includes(g.text) || !CITIES.berlin.localities.includes(g.locality ?? ""))
            this.garbled.push(`${g.text} / ${g.locality}`);
        }
        if (g.lat === undefined) s.stoppedSharing = true;
        else s.everPositioned = true;
        s.lat = g.lat;
      } else if (presence) {
        const p = readPresencePayload(presence)!;
        expect(p.jid).toBe(publisher);
        if (!p.online && s.online) s.wentOffline = true;
        if (p.online && s.wentOffline) s.cameBack = true;
        if (p.show === "away") s.wentAway = true;
        s.online = p.online;
        s.show = p.show;
        if (p.online) s.everOnline = true;
      }
    }
    this.waiters = this.waiters.filter((w) => (w.check() ? (w.done(), false) : true));
  }

  until(what: string, check: (all: Seen[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const test = () => check([...this.by.values()]);
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out waiting for: ${what}\n${JSON.stringify(Object.fromEntries(this.by), null, 1)}`)),
        timeoutMs,
      );
      this.waiters.push({
        check: test,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

describe("the simulator against Prosody and the service", () => {
  let stack: Stack;
  let viewer: TestClient;
  const prefix = `itsim${Date.now() % 100000}-`;
  const watch = new Watch(prefix);

  beforeAll(async () => {
    stack = await startStack();
    viewer = await stack.viewer();
    viewer.xmpp.on("stanza", (st: Element) => watch.onStanza(st));
    for (const node of [NODES.locations, NODES.presence]) {
      await viewer.iq("set", xml("pubsub", { xmlns: NS.pubsub }, xml("subscribe", { node, jid: viewer.jid })));
    }
  });

  afterAll(async () => {
    await stack?.stop(); // stops the viewer too
  });

  it("shows every publisher with position and presence, shows churn, and everyone leaves on stop", async () => {
    const parsed = parseOptions([
      "--count",
      String(COUNT),
      "--interval",
      "0.25",
      "--churn",
      "6",
      "--downtime",
      "2",
      "--seed",
      "7",
      "--prefix",
      prefix,
      "--server",
      stack.prosody.c2sService,
      "--domain",
      stack.prosody.domain,
      "--service",
      stack.componentJid,
      "--concurrency",
      "20",
      "--timeout",
      "5000",
      "--notes",
      "0.3",
    ]);
    if (parsed.kind !== "ok") throw new Error(JSON.stringify(parsed));
    const opts: SimOptions = parsed.options;
    const lines: string[] = [];
    const controller = new AbortController();
    const run: Promise<Stats> = runSimulation(opts, { log: (l) => lines.push(l) }, controller.signal);
    // fails the waits below if the run ends (or throws) before we stop it
    const failed = new Promise<never>((_, reject) => {
      run.then(() => {
        if (!controller.signal.aborted) reject(new Error(`the simulation ended early:\n${lines.join("\n")}`));
      }, reject);
    });
    const race = (p: Promise<void>) => Promise.race([p, failed]);

    await race(
      watch.until(
        `all ${COUNT} publishers positioned and online`,
        (all) => all.filter((s) => s.everPositioned && s.everOnline).length === COUNT,
      ),
    );
    // the snapshot query agrees: one presence item per publisher
    const items = await viewer.iq("get", xml("pubsub", { xmlns: NS.pubsub }, xml("items", { node: NODES.presence })));
    const ids = items
      .getChild("pubsub", NS.pubsub)!
      .getChild("items")!
      .getChildren("item")
      .map((i: Element) => i.attrs.id as string);
    expect(ids.filter((id: string) => id.startsWith(prefix)).length).toBe(COUNT);

    await race(watch.until("a publisher going offline and coming back", (all) => all.some((s) => s.cameBack)));
    await race(watch.until("a publisher going away", (all) => all.some((s) => s.wentAway)));
    await race(watch.until("a publisher stopping sharing", (all) => all.some((s) => s.stoppedSharing)));

    controller.abort();
    const stats = await run;
    await watch.until(
      "every publisher offline after the stop",
      (all) => all.length === COUNT && all.every((s) => s.online === false),
      15_000,
    );
    expect(stats.failedRun()).toBe(false);
    expect(stats.failed).toBe(0);
    expect(stats.churn.drop + stats.churn.logout).toBeGreaterThan(0);
    expect(lines.join("\n")).toContain("summary:");
    expect(watch.notes).toBeGreaterThan(10);
    expect(watch.garbled).toEqual([]);
  });

  it("configures the access model of each node: whitelisted publishers stay invisible to the viewer", async () => {
    const hidden = `${prefix}wl-`;
    const parsed = parseOptions([
      "--count",
      "3",
      "--interval",
      "0.25",
      "--churn",
      "0",
      "--duration",
      "2",
      "--seed",
      "8",
      "--prefix",
      hidden,
      "--access-model",
      "whitelist",
      "--server",
      stack.prosody.c2sService,
      "--domain",
      stack.prosody.domain,
      "--service",
      stack.componentJid,
    ]);
    if (parsed.kind !== "ok") throw new Error(JSON.stringify(parsed));
    const lines: string[] = [];
    const stats = await runSimulation(parsed.options, { log: (l) => lines.push(l) }, new AbortController().signal);
    expect(stats.publishes).toBeGreaterThan(3);
    expect([...stats.errorKinds.keys()]).toEqual([]);
    for (const node of [NODES.locations, NODES.presence]) {
      const res = await viewer.iq("get", xml("pubsub", { xmlns: NS.pubsub }, xml("items", { node })));
      const visible = res
        .getChild("pubsub", NS.pubsub)!
        .getChild("items")!
        .getChildren("item")
        .filter((i: Element) => String(i.attrs.publisher ?? i.attrs.id).startsWith(hidden));
      expect(visible.map((i: Element) => i.toString())).toEqual([]);
    }
    expect([...watch.by.keys()].filter((j) => j.startsWith(hidden))).toEqual([]);
  });
});
