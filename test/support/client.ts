// A test user: a real @xmpp/client over TCP that records what it receives and waits for stanzas by predicate.
import { client, xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { startEntity } from "../../component/src/xmpp/start.ts";

export const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
export const NS_OWNER = "http://jabber.org/protocol/pubsub#owner";
export const NS_EVENT = "http://jabber.org/protocol/pubsub#event";
export const NS_GEOLOC = "http://jabber.org/protocol/geoloc";

export class IqError extends Error {
  constructor(readonly reply: Element) {
    const err = reply.getChild("error");
    super(`iq error: ${err?.toString()}`);
  }
  get condition(): string | undefined {
    return this.reply
      .getChild("error")
      ?.getChildElements()
      .find((c) => c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text")?.name;
  }
  get pubsubCondition(): string | undefined {
    return this.reply
      .getChild("error")
      ?.getChildElements()
      .find((c) => c.attrs.xmlns === `${NS_PUBSUB}#errors`)?.name;
  }
}

type Waiter = { pred: (s: Element) => boolean; resolve: (s: Element) => void };

export class TestClient {
  readonly received: Element[] = [];
  private waiters: Waiter[] = [];
  private pending = new Map<string, (s: Element) => void>();
  private n = 0;

  constructor(
    readonly xmpp: Client,
    readonly jid: string,
    readonly service: string,
  ) {
    xmpp.on("stanza", (s: Element) => {
      if (s.is("iq") && (s.attrs.type === "result" || s.attrs.type === "error")) {
        const r = this.pending.get(s.attrs.id);
        if (r) {
          this.pending.delete(s.attrs.id);
          r(s);
          return;
        }
      }
      this.received.push(s);
      this.waiters = this.waiters.filter((w) => (w.pred(s) ? (w.resolve(s), false) : true));
    });
  }

  get bare(): string {
    return this.jid.split("/")[0];
  }

  /** Resolves with the first stanza (already received or future) matching `pred`. */
  waitFor(pred: (s: Element) => boolean, what = "a matching stanza", timeoutMs = 15_000): Promise<Element> {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.jid}: timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      });
    });
  }

  /** Sends an IQ to the service (or `to`); resolves with the result, rejects with IqError. */
  async iq(type: "get" | "set", child: Element, to = this.service): Promise<Element> {
    const id = `t${++this.n}`;
    const reply = await new Promise<Element>((resolve) => {
      this.pending.set(id, resolve);
      void this.xmpp.send(xml("iq", { type, to, id }, child));
    });
    if (reply.attrs.type === "error") throw new IqError(reply);
    return reply;
  }

  /** The IqError of a request that must fail. */
  async iqError(type: "get" | "set", child: Element, to = this.service): Promise<IqError> {
    try {
      const r = await this.iq(type, child, to);
      throw new Error(`expected an error, got ${r.toString()}`);
    } catch (e) {
      if (e instanceof IqError) return e;
      throw e;
    }
  }

  send(el: Element): Promise<void> {
    return this.xmpp.send(el);
  }

  async stop(): Promise<void> {
    try {
      await this.xmpp.stop();
    } catch {
      /* already gone */
    }
  }

  /** Drops the TCP connection without a goodbye (as a phone losing signal does). */
  drop(): void {
    (this.xmpp as unknown as { socket: { destroy(): void } | null }).socket?.destroy();
  }
}

export async function connectClient(opts: {
  service: string;
  domain: string;
  username: string;
  password: string;
  resource?: string;
  pubsub: string;
  timeoutMs?: number;
}): Promise<TestClient> {
  const xmpp = client({
    ...(opts.timeoutMs && { timeout: opts.timeoutMs }),
    service: opts.service,
    domain: opts.domain,
    resource: opts.resource ?? "test",
    // PLAIN on loopback: SCRAM-SHA-1 in JS costs ~1 s of CPU per login (component/PLATFORM.md)
    credentials: (auth: (c: object, m: string) => Promise<void>) =>
      auth({ username: opts.username, password: opts.password }, "PLAIN"),
  } as Parameters<typeof client>[0]);
  xmpp.on("error", () => {}); // surfaced through start() and the tests' own waits
  xmpp.on("connect", () =>
    (xmpp as unknown as { socket?: { setEncoding(e: string): void } }).socket?.setEncoding("utf8"),
  );
  (xmpp as unknown as { reconnect: { stop(): void } }).reconnect.stop();
  await startEntity(xmpp as unknown as Parameters<typeof startEntity>[0]);
  return new TestClient(xmpp, xmpp.jid!.toString(), opts.pubsub);
}

// Stanza builders used across tests.
export const pubsub = (...children: Element[]) => xml("pubsub", { xmlns: NS_PUBSUB }, ...children);
export const owner = (...children: Element[]) => xml("pubsub", { xmlns: NS_OWNER }, ...children);

export function geoloc(fields: Record<string, string | number>, lang?: string): Element {
  return xml(
    "geoloc",
    lang ? { xmlns: NS_GEOLOC, "xml:lang": lang } : { xmlns: NS_GEOLOC },
    ...Object.entries(fields).map(([k, v]) => xml(k, {}, String(v))),
  );
}

export function publishEl(payload: Element | undefined, node = NS_GEOLOC, id?: string): Element {
  return pubsub(xml("publish", { node }, xml("item", id ? { id } : {}, ...(payload ? [payload] : []))));
}

/** A headline notification carrying an item for `node` (or from `publisher`) */
export function isEvent(s: Element, node: string, pred: (item: Element) => boolean = () => true): boolean {
  const items = s.getChild("event", NS_EVENT)?.getChild("items");
  return s.is("message") && items?.attrs.node === node && items.getChildren("item").some(pred);
}

/** The publishers of every item `c` received in a notification so far. */
export const publishersSeen = (c: TestClient) =>
  new Set(
    c.received
      .flatMap((m) => m.getChild("event", NS_EVENT)?.getChild("items")?.getChildren("item") ?? [])
      .map((i) => i.attrs.publisher),
  );

/**
 * Every <item/> (or, with `retracts`, every <retract/>) of a notification, in order: one message may carry several
 * (XEP-0060 §7.1.2.1), so readers never stop at the first. [] for any other stanza or another node.
 */
export function eventItems(s: Element, node?: string, retracts = false): Element[] {
  const items = s.is("message") ? s.getChild("event", NS_EVENT)?.getChild("items") : undefined;
  if (!items || (node !== undefined && items.attrs.node !== node)) return [];
  return items.getChildren(retracts ? "retract" : "item");
}
