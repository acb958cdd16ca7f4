// Lightweight bench clients (no stanza log: a run receives 100k+ notifications) and account setup.
import { client, xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { registerAccount } from "../../component/src/simulator/register.ts";

export const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
export const NS_EVENT = "http://jabber.org/protocol/pubsub#event";
export const NS_GEOLOC = "http://jabber.org/protocol/geoloc";

export interface Target {
  c2sService: string;
  domain: string;
  component: string;
}

export class BenchClient {
  private pending = new Map<string, (s: Element) => void>();
  private n = 0;
  /** called for every incoming stanza that is not an IQ reply */
  onStanza: (s: Element) => void = () => {};

  constructor(
    readonly xmpp: Client,
    readonly jid: string,
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
      this.onStanza(s);
    });
  }

  get bare(): string {
    return this.jid.split("/")[0];
  }

  /** Sends an IQ; resolves with the reply, rejects on an error reply or after timeoutMs. */
  iq(type: "get" | "set", to: string | undefined, child: Element, timeoutMs = 30_000): Promise<Element> {
    const id = `b${++this.n}`;
    return new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.jid}: iq ${id} unanswered after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (s) => {
        clearTimeout(timer);
        if (s.attrs.type === "error") reject(new Error(`${this.jid}: iq error ${s.getChild("error")?.toString()}`));
        else resolve(s);
      });
      void this.xmpp.send(xml("iq", to ? { type, to, id } : { type, id }, child)).catch(reject);
    });
  }

  send(el: Element): Promise<void> {
    return this.xmpp.send(el);
  }

  async stop(): Promise<void> {
    try {
      await this.xmpp.stop();
    } catch {
      /* gone */
    }
  }

  /** Drops the TCP connection without a goodbye. */
  drop(): void {
    (this.xmpp as unknown as { socket: { destroy(): void } | null }).socket?.destroy();
  }
}

export async function connectBench(t: Target, username: string, resource = "bench"): Promise<BenchClient> {
  const xmpp = client({
    service: t.c2sService,
    domain: t.domain,
    resource,
    // PLAIN on loopback: SCRAM-SHA-1 in JS costs ~1 s of CPU per login (component/PLATFORM.md)
    credentials: (auth: (c: object, m: string) => Promise<void>) => auth({ username, password: "pw" }, "PLAIN"),
  } as Parameters<typeof client>[0]);
  xmpp.on("error", () => {});
  // stream decoding (component/PLATFORM.md) and Nagle off, as the simulator does: a publish is one small write
  xmpp.on("connect", () =>
    (xmpp as unknown as { socket?: { setEncoding(e: string): { setNoDelay(on: boolean): void } } }).socket
      ?.setEncoding("utf8")
      .setNoDelay(true),
  );
  (xmpp as unknown as { reconnect: { stop(): void } }).reconnect.stop();
  const address = await xmpp.start();
  return new BenchClient(xmpp, address.toString());
}

/** Registers (in-band) and connects `${prefix}${first}` .. `${prefix}${first + n - 1}`, `batch` at a time. */
export async function connectMany(
  t: Target,
  prefix: string,
  n: number,
  resource = "bench",
  batch = 25,
  first = 0,
): Promise<BenchClient[]> {
  const out: BenchClient[] = [];
  for (let i = 0; i < n; i += batch) {
    const names = Array.from({ length: Math.min(batch, n - i) }, (_, k) => `${prefix}${first + i + k}`);
    await Promise.all(names.map((u) => registerAccount(t.c2sService, t.domain, u, "pw")));
    out.push(...(await Promise.all(names.map((u) => connectBench(t, u, resource)))));
  }
  return out;
}

export async function stopAll(cs: BenchClient[]): Promise<void> {
  for (let i = 0; i < cs.length; i += 100) await Promise.all(cs.slice(i, i + 100).map((c) => c.stop()));
}

let seq = 0;
/** A valid XEP-0080 payload; the item id carries the bench's sequence key. */
export function publishStanza(itemId: string, node = NS_GEOLOC): Element {
  const n = ++seq;
  return xml(
    "pubsub",
    { xmlns: NS_PUBSUB },
    xml(
      "publish",
      { node },
      xml(
        "item",
        { id: itemId },
        xml(
          "geoloc",
          { xmlns: NS_GEOLOC },
          // spread over lat 48-49 in a scrambled order, so that an area (figure 9) holds about half of any run's fixes
          xml("lat", {}, (48 + ((n * 7919) % 1000) / 1000).toFixed(5)),
          xml("lon", {}, (2 + (n % 777) / 1000).toFixed(5)),
          xml("accuracy", {}, "10"),
          xml("timestamp", {}, new Date().toISOString()),
        ),
      ),
    ),
  );
}

/** Item ids of a pubsub event notification (any node), or [] */
export function eventItemIds(s: Element): string[] {
  if (!s.is("message")) return [];
  const items = s.getChild("event", NS_EVENT)?.getChild("items");
  return items ? items.getChildren("item").map((i) => i.attrs.id as string) : [];
}
