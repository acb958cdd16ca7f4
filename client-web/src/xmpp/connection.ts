// The viewer's XMPP session: connects over WebSocket, tells the service it is here (directed presence, which makes
// its subscriptions temporary: XEP-0060 §12.5), subscribes to `locations` and `presence` from its full JID and loads
// both snapshots. On every reconnect it does the same again in a new session; the model merges, newest wins.
import { client, xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { NODES, NS } from "../../../component/src/protocol/ns.ts";
import type { ModelEvent } from "../model/publisher.ts";
import { NS_RSM, parseItemsResult, parseNotification } from "./parse.ts";
import {
  FEATURE_SUBSCRIPTION_OPTIONS,
  optionsSet,
  subidOf,
  subscribeRequest,
  type SubscribeOptions,
} from "./subscribe.ts";
import { describeError, explainLoginError, explainServiceError, ServiceMissing, splitJid } from "./errors.ts";

export { describeError, explainLoginError, explainServiceError, ServiceMissing, splitJid } from "./errors.ts";

export interface ConnectOptions {
  /** ws://localhost:5280/xmpp-websocket */
  websocket: string;
  /** the viewer's bare JID, e.g. viewer@localhost */
  jid: string;
  password: string;
  /** the service JID, e.g. geo.localhost */
  service: string;
  /** the digest period to ask for (XEP-0060 §6.3), when the service offers subscription options */
  digestMs?: number;
  /** the first subscribe's area (geo#bbox), when the view is known before login (a link's hash) */
  area?: string;
}

export type Phase = "connecting" | "live" | "reconnecting" | "error";
export interface ConnState {
  phase: Phase;
  reason?: string;
}

export interface ConnectionHandlers {
  events(events: ModelEvent[]): void;
  /** the `locations` snapshot of `session` is complete and listed these publishers */
  snapshotComplete(listed: Set<string>, session: number): void;
  state(state: ConnState): void;
}

export interface Connection {
  /** the viewer's full JID */
  readonly address: string;
  /** The newest `max` items of a publisher's own node (its history), as snapshot events. */
  history(publisher: string, max: number): Promise<ModelEvent[]>;
  stop(): Promise<void>;
  /**
   * The map's padded view as the area of its `locations` subscription (geo#bbox, "south,west,north,east"), set with
   * XEP-0060 §6.3.5 options when the service offers subscription options; otherwise nothing happens.
   */
  setArea(bbox: string): Promise<void>;
  /** the service offers subscription options (digests, areas) */
  readonly options: boolean;
  /** Closes the socket without a goodbye, as a network failure would (for tests and debugging: it reconnects). */
  drop(): void;
}

const PAGE_LIMIT = 100; // at most this many XEP-0059 pages per snapshot, against a service that never ends a result

/** Connects and resolves once online; rejects with a readable message when the first login fails. */
export async function connect(opts: ConnectOptions, on: ConnectionHandlers): Promise<Connection> {
  const { local, domain } = splitJid(opts.jid);
  const resource = `map-${Math.random().toString(36).slice(2, 10)}`;
  const xmpp: Client = client({ service: opts.websocket, domain, username: local, password: opts.password, resource });
  let session = 0;
  let everOnline = false;
  let stopping = false;
  let lastError: string | undefined;
  let serviceFeatures = new Set<string>();
  let area: string | undefined = opts.area;
  const subids = new Map<string, string | undefined>();
  const withOptions = () => serviceFeatures.has(FEATURE_SUBSCRIPTION_OPTIONS);
  const optionsFor = (node: string): SubscribeOptions => ({
    digestMs: opts.digestMs,
    bbox: node === NODES.locations ? area : undefined,
  });

  const pubsub = (...children: Element[]) => xml("pubsub", { xmlns: NS.pubsub }, ...children);

  async function items(
    node: string,
    s: number,
    max?: number,
  ): Promise<{ events: ModelEvent[]; publishers: Set<string> }> {
    const events: ModelEvent[] = [];
    const publishers = new Set<string>();
    let after: string | undefined;
    for (let page = 0; page < PAGE_LIMIT; page++) {
      const query = pubsub(xml("items", max ? { node, max_items: String(max) } : { node }));
      if (after) query.append(xml("set", { xmlns: NS_RSM }, xml("after", {}, after)));
      const res = parseItemsResult(await xmpp.iqCaller.get(query, opts.service), s);
      events.push(...res.events);
      for (const p of res.publishers) publishers.add(p);
      if (!res.next || res.next === after) break;
      after = res.next;
    }
    return { events, publishers };
  }

  /** XEP-0030 disco#info of the service: its features. Any error means the service is not there. */
  async function features(): Promise<Set<string>> {
    let res: Element;
    try {
      res = await xmpp.iqCaller.get(xml("query", { xmlns: NS.discoInfo }), opts.service);
    } catch (err) {
      throw new ServiceMissing(err);
    }
    return new Set(res.getChildren("feature").map((f) => String(f.attrs.var)));
  }

  async function setUp(s: number, address: string): Promise<void> {
    serviceFeatures = await features();
    await xmpp.send(xml("presence", { to: opts.service }));
    // Subscribe before asking for the snapshots: nothing published in between is lost, and whatever the
    // notifications and the snapshot both carry is merged by the model, newest wins.
    // With subscription options (XEP-0060 §6.3.7): a digest, and the view as the area of `locations`. Without, a
    // plain subscribe (§6.1.1): the service refuses options it does not support (§6.3.7: not-acceptable).
    await Promise.all(
      [NODES.locations, NODES.presence].map(async (node) => {
        const res = await xmpp.iqCaller.set(
          subscribeRequest(node, address, withOptions() ? optionsFor(node) : undefined),
          opts.service,
        );
        subids.set(node, subidOf(res));
      }),
    );
    const presence = items(NODES.presence, s).then((r) => {
      if (s === session) on.events(r.events);
    });
    const locations = await items(NODES.locations, s);
    if (s !== session) return; // a newer session took over while this one was loading
    on.events(locations.events);
    on.snapshotComplete(locations.publishers, s);
    await presence;
  }

  xmpp.on("error", (err: unknown) => {
    lastError = describeError(err);
    if ((err as { name?: string }).name === "SASLError" && everOnline && !stopping) {
      // The password changed while we were away: retrying cannot help.
      stopping = true;
      on.state({ phase: "error", reason: lastError });
      xmpp.stop().catch(() => {});
    }
  });
  xmpp.on("status", (status: string) => {
    if (stopping || !everOnline) return;
    if (status === "disconnect" || status === "connecting") on.state({ phase: "reconnecting", reason: lastError });
  });
  xmpp.on("stanza", (stanza: Element) => {
    if (!stanza.is("message")) return;
    const events = parseNotification(stanza, session);
    if (events.length) on.events(events);
  });
  const RETRY_MS = 5000;
  // The first session's set-up decides whether the login worked: a service that is missing or refuses is told on
  // the login form. Later sessions (reconnects) say why in the banner and try again.
  let firstSetup: { ok(): void; fail(err: unknown): void } | undefined;
  const firstReady = new Promise<void>((ok, fail) => {
    firstSetup = { ok, fail };
  });
  firstReady.catch(() => {}); // awaited below once online; a failure before then is not unhandled
  function start(s: number, address: string): void {
    setUp(s, address).then(
      () => {
        if (s !== session || stopping) return;
        firstSetup?.ok();
        firstSetup = undefined;
        on.state({ phase: "live" });
      },
      (err) => {
        if (s !== session || stopping) return;
        if (firstSetup) {
          firstSetup.fail(err);
          firstSetup = undefined;
          return;
        }
        // The server is there but the service is not (restarting, or misconfigured): say why, try again.
        on.state({ phase: "error", reason: `${explainServiceError(err, opts.service)} Retrying.` });
        setTimeout(() => {
          if (s === session && !stopping && xmpp.status === "online") start(s, address);
        }, RETRY_MS);
      },
    );
  }

  xmpp.on("online", (address: { toString(): string }) => {
    const s = ++session;
    everOnline = true;
    lastError = undefined;
    on.state({ phase: "connecting", reason: "loading the snapshots" });
    start(s, address.toString());
  });

  on.state({ phase: "connecting" });
  const giveUp = async (message: string): Promise<never> => {
    stopping = true;
    xmpp.reconnect.stop();
    await xmpp.stop().catch(() => {});
    throw new Error(message);
  };
  try {
    await xmpp.start();
  } catch (err) {
    return giveUp(explainLoginError(err, opts.websocket));
  }
  try {
    await firstReady;
  } catch (err) {
    await xmpp.send(xml("presence", { to: opts.service, type: "unavailable" })).catch(() => {});
    return giveUp(explainServiceError(err, opts.service));
  }

  return {
    get address() {
      return xmpp.jid?.toString() ?? "";
    },
    get options() {
      return withOptions();
    },
    async setArea(b) {
      if (b === area) return;
      area = b;
      // otherwise the next subscribe carries it
      if (!withOptions() || xmpp.status !== "online" || !subids.has(NODES.locations)) return;
      const address = xmpp.jid!.toString();
      await xmpp.iqCaller.set(
        optionsSet(NODES.locations, address, subids.get(NODES.locations), optionsFor(NODES.locations)),
        opts.service,
      );
    },
    async history(publisher, max) {
      return (await items(publisher, session, max)).events;
    },
    drop() {
      (xmpp as unknown as { socket?: { socket?: WebSocket } }).socket?.socket?.close();
    },
    async stop() {
      stopping = true;
      xmpp.reconnect.stop();
      try {
        await xmpp.send(xml("presence", { to: opts.service, type: "unavailable" }));
        await xmpp.stop();
      } catch {
        /* already gone */
      }
    },
  };
}
