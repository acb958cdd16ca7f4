// Load for fault tests: the simulator's own code (runSimulation) driving many publishers in-process, recording
// every item id the service acknowledged; and a viewer that keeps the picture a map would keep.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import Database from "better-sqlite3";
import { NODES, NS } from "../../component/src/protocol/ns.ts";
import { readPresencePayload } from "../../component/src/protocol/presence.ts";
import { parseOptions } from "../../component/src/simulator/options.ts";
import { runSimulation } from "../../component/src/simulator/run.ts";
import type { Stats } from "../../component/src/simulator/stats.ts";
import type { Prosody } from "../../prosody/server.ts";
import { connectClient, type TestClient } from "./client.ts";

export interface Ack {
  publisher: string;
  id: string;
  at: number;
}

export interface Load {
  acks: Ack[];
  lines: string[];
  /** stops the publishers (a clean logout each) and resolves with the simulator's statistics */
  stop(): Promise<Stats>;
  /** rejects if the simulation ends or throws before stop() */
  failed: Promise<never>;
}

export function startLoad(prosody: Prosody, count: number, prefix: string, extra: string[] = []): Load {
  const parsed = parseOptions([
    "--count",
    String(count),
    "--interval",
    "1",
    "--churn",
    "0",
    "--seed",
    "11",
    "--prefix",
    prefix,
    "--server",
    prosody.c2sService,
    "--domain",
    prosody.domain,
    "--service",
    prosody.component,
    "--concurrency",
    "50",
    // generous: on a loaded CI machine a login or publish can take seconds, and a failed login backs off up to 30 s
    "--timeout",
    "10000",
    "--notes",
    "0.2",
    ...extra,
  ]);
  if (parsed.kind !== "ok") throw new Error(JSON.stringify(parsed));
  const acks: Ack[] = [];
  const lines: string[] = [];
  const controller = new AbortController();
  const onStanza = (publisher: string, st: Element) => {
    // XEP-0060 §7.1.2: the publish result names the item id the service stored
    const id =
      st.is("iq") && st.attrs.type === "result"
        ? st.getChild("pubsub", NS.pubsub)?.getChild("publish")?.getChild("item")?.attrs.id
        : undefined;
    if (id) acks.push({ publisher, id, at: Date.now() });
  };
  const run = runSimulation(parsed.options, { log: (l) => lines.push(l), onStanza }, controller.signal);
  const failed = new Promise<never>((_, reject) => {
    run.then(() => {
      if (!controller.signal.aborted) reject(new Error(`the simulation ended early:\n${lines.join("\n")}`));
    }, reject);
  });
  failed.catch(() => {});
  return {
    acks,
    lines,
    failed,
    stop: () => {
      controller.abort();
      return run;
    },
  };
}

/** Item ids per node in the SQLite file (read through a second, read-only connection). */
export function storedItems(dbFile: string): Map<string, Set<string>> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const out = new Map<string, Set<string>>();
    for (const r of db.prepare("SELECT node, id FROM items").all() as Array<{ node: string; id: string }>) {
      let s = out.get(r.node);
      if (!s) out.set(r.node, (s = new Set()));
      s.add(r.id);
    }
    return out;
  } finally {
    db.close();
  }
}

/** Acknowledged publishes that are not in storage. */
export function lostAcks(acks: Ack[], dbFile: string): Ack[] {
  const stored = storedItems(dbFile);
  return acks.filter((a) => !stored.get(a.publisher)?.has(a.id));
}

interface Seen {
  location?: string;
  locations: number;
  online?: boolean;
  since?: number;
  events: number;
}

/**
 * A viewer's picture as the map keeps it: latest item and presence per publisher, from notifications (and, after
 * logging in again, the presence snapshot).
 */
export class Picture {
  readonly by = new Map<string, Seen>();
  private waiters: Array<{ check: () => boolean; done: () => void }> = [];

  constructor(private readonly prefix: string) {}

  onStanza = (st: Element): void => {
    const items = st.is("message") ? st.getChild("event", NS.pubsubEvent)?.getChild("items") : undefined;
    if (!items) return;
    for (const item of items.getChildren("item")) {
      const s = this.seen(item);
      if (!s) continue;
      s.events++;
      if (items.attrs.node === NODES.presence) this.presence(s, item);
      else if (item.getChild("geoloc", NS.geoloc)) {
        s.location = item.attrs.id;
        s.locations++;
      }
    }
    this.wake();
  };

  /** The entry of the item's publisher (made on first sight), or undefined for a publisher not of this picture. */
  private seen(item: Element): Seen | undefined {
    const publisher = String(item.attrs.publisher ?? "");
    if (!publisher.startsWith(this.prefix)) return undefined;
    let s = this.by.get(publisher);
    if (!s) this.by.set(publisher, (s = { locations: 0, events: 0 }));
    return s;
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => (w.check() ? (w.done(), false) : true));
  }

  /** The newer of what is known and a presence item (notification or snapshot), as the map merges them. */
  private presence(s: Seen, item: Element): void {
    const p = readPresencePayload(item.getChild("presence", NS.client)!);
    if (!p || (s.since !== undefined && p.since < s.since)) return;
    s.online = p.online;
    s.since = p.since;
  }

  /**
   * A viewer that logs in again missed the changes made while it was away: it loads the presence snapshot (items on
   * `presence`, component/PROTOCOL.md), as the map does, and keeps whichever of snapshot and notification is newer.
   */
  async load(v: TestClient): Promise<void> {
    const r = await v.iq("get", xml("pubsub", { xmlns: NS.pubsub }, xml("items", { node: NODES.presence })));
    for (const item of r.getChild("pubsub", NS.pubsub)!.getChild("items")!.getChildren("item")) {
      const s = this.seen(item);
      if (s) this.presence(s, item);
    }
    this.wake();
  }

  /** Forgets what was seen, so that `until` waits for what arrives from now on. */
  reset(): void {
    this.by.clear();
  }

  /** What the picture holds, for a timeout's message: counts, and the publishers that are offline or not moving. */
  describe(): string {
    const all = [...this.by];
    const behind = all.filter(([, s]) => !s.online || s.locations < 2);
    const shown = behind
      .slice(0, 8)
      .map(
        ([p, s]) =>
          `${p}: ${s.online === undefined ? "no presence" : s.online ? "online" : "offline"}, ${s.locations} locations`,
      );
    const online = all.filter(([, s]) => s.online).length;
    const moving = all.filter(([, s]) => s.locations >= 2).length;
    return (
      `${all.length} publishers seen, ${online} online, ${moving} with 2+ locations` +
      (shown.length ? `; e.g. ${shown.join("; ")}` : "")
    );
  }

  until(what: string, check: (all: Seen[]) => boolean, timeoutMs = 40_000): Promise<void> {
    const test = () => check([...this.by.values()]);
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`viewer: timed out waiting for ${what} (${this.describe()})`)),
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

/** A viewer with a persistent (bare JID) subscription to `locations` and `presence`, online to receive headlines. */
export async function connectViewer(
  prosody: Prosody,
  name: string,
  picture: Picture,
  subscribe = true,
): Promise<TestClient> {
  const v = await connectClient({
    service: prosody.c2sService,
    domain: prosody.domain,
    username: name,
    password: "pw",
    resource: "map",
    pubsub: prosody.component,
    timeoutMs: 10_000,
  });
  v.xmpp.on("stanza", picture.onStanza);
  await v.send(xml("presence")); // RFC 6121 §8.5.2: headlines to the bare JID reach available resources
  if (subscribe) {
    for (const node of [NODES.locations, NODES.presence])
      await v.iq("set", xml("pubsub", { xmlns: NS.pubsub }, xml("subscribe", { node, jid: v.bare })));
  }
  return v;
}

/** The latest item id of every visible personal node, from the service (items on `locations`). */
export async function latestItems(v: TestClient): Promise<Map<string, string>> {
  const r = await v.iq("get", xml("pubsub", { xmlns: NS.pubsub }, xml("items", { node: NODES.locations })));
  return new Map(
    r
      .getChild("pubsub", NS.pubsub)!
      .getChild("items")!
      .getChildren("item")
      .map((i: Element) => [String(i.attrs.publisher), String(i.attrs.id)]),
  );
}

/**
 * Resolves once `done()` holds, checked on a short period (it reads several sources: acks of many sessions,
 * presence); rejects with `failure()` after `ms`.
 */
export function pollUntil(done: () => boolean, ms: number, failure: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(failure()), ms);
    const check = () => {
      if (done()) {
        clearTimeout(t);
        resolve();
      } else setTimeout(check, 100);
    };
    check();
  });
}
