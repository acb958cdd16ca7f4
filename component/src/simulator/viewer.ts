// Simulated map viewers (--viewers N): each logs in, sends presence to the service (so its subscriptions are
// temporary, XEP-0060 §12.5) and subscribes to `locations` and `presence` in one of three modes:
// plain (every notification), digest (pubsub#digest, pubsub#digest_frequency) or area (geo#bbox around the
// simulated city). It counts what arrives, reading every <item/> and <retract/> of a message.
import { client, xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { NS, NODES } from "../protocol/ns.ts";
import { startEntity } from "../xmpp/start.ts";
import type { ViewerMode } from "./options.ts";
import type { Area } from "./places.ts";

export interface ViewerConfig {
  server: string;
  domain: string;
  service: string;
  user: string;
  password: string;
  timeoutMs: number;
  mode: ViewerMode;
  digestMs: number;
  area: Area;
}

export interface ViewerCounts {
  messages: number;
  items: number;
  leaves: number;
}

/** geo#bbox for the inner half of the city (south,west,north,east), so publishers enter and leave it. */
export function innerBox(a: Area): string {
  const dLat = a.radiusM / 2 / 111_320;
  const dLon = dLat / Math.max(0.01, Math.cos((a.lat * Math.PI) / 180));
  const f = (n: number) => n.toFixed(5);
  return [f(a.lat - dLat), f(a.lon - dLon), f(a.lat + dLat), f(a.lon + dLon)].join(",");
}

/** The subscription options form of a mode (XEP-0060 §6.3.7), or undefined for plain. */
export function modeOptions(mode: ViewerMode, digestMs: number, area: Area): Record<string, string> | undefined {
  if (mode === "digest") return { "pubsub#digest": "true", "pubsub#digest_frequency": String(digestMs) };
  if (mode === "area") return { "geo#bbox": innerBox(area) };
  return undefined;
}

export class Viewer {
  readonly counts: ViewerCounts = { messages: 0, items: 0, leaves: 0 };
  private xmpp: Client;

  constructor(private cfg: ViewerConfig) {
    this.xmpp = client({
      service: cfg.server,
      domain: cfg.domain,
      resource: `map-${cfg.mode}`,
      timeout: cfg.timeoutMs,
      credentials: async (authenticate) =>
        authenticate({ username: cfg.user, password: cfg.password }, "PLAIN", undefined as never),
    });
    this.xmpp.reconnect.stop();
    this.xmpp.on("connect", () =>
      (this.xmpp as unknown as { socket?: { setEncoding(e: string): void } }).socket?.setEncoding("utf8"),
    );
    this.xmpp.on("error", () => {});
    this.xmpp.on("stanza", (st: Element) => this.count(st));
  }

  /** Logs in and subscribes; rejects with a short reason. */
  async start(): Promise<void> {
    await startEntity(this.xmpp as unknown as Parameters<typeof startEntity>[0]);
    await this.xmpp.send(xml("presence", { to: this.cfg.service }));
    const options = modeOptions(this.cfg.mode, this.cfg.digestMs, this.cfg.area);
    const jid = this.xmpp.jid!.toString();
    for (const node of [NODES.locations, NODES.presence]) {
      const pubsub = xml("pubsub", { xmlns: NS.pubsub }, xml("subscribe", { node, jid }));
      // XEP-0060 §6.3.7: subscribe and configure in one request
      if (options) {
        pubsub.append(
          xml(
            "options",
            {},
            xml(
              "x",
              { xmlns: NS.dataForms, type: "submit" },
              xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, `${NS.pubsub}#subscribe_options`)),
              ...Object.entries(options).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
            ),
          ),
        );
      }
      await this.xmpp.iqCaller.request(xml("iq", { type: "set", to: this.cfg.service }, pubsub), this.cfg.timeoutMs);
    }
  }

  private count(st: Element): void {
    const items = st.is("message") ? st.getChild("event", NS.pubsubEvent)?.getChild("items") : undefined;
    if (!items) return;
    this.counts.messages++;
    for (const c of items.getChildElements()) {
      if (c.name === "item") this.counts.items++;
      else if (c.name === "retract") this.counts.leaves++;
    }
  }

  async stop(): Promise<void> {
    try {
      await this.xmpp.stop();
    } catch {
      /* gone already */
    }
  }
}
