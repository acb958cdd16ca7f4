// One XMPP session of a simulated publisher: login (PLAIN), presence, subscription answer, publish.
// No decisions here: the publisher (publisher.ts) decides what to do and when.
import { client, xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import type { Geoloc } from "../core/geoloc.ts";
import { geolocElement } from "../protocol/geoloc.ts";
import { NS, NODES } from "../protocol/ns.ts";
import type { AccessModel, AuthorizePolicy } from "./options.ts";
import { startEntity } from "../xmpp/start.ts";

export interface SessionConfig {
  server: string;
  domain: string;
  service: string;
  user: string;
  password: string;
  resource: string;
  timeoutMs: number;
  /** how to answer a request to see us (XEP-0060 §8.6); default ignore */
  authorize?: AuthorizePolicy;
  /** the session ended without us asking (server gone, kicked) */
  onLost(reason: string): void;
  /** every stanza received (for tests and debugging) */
  onStanza?(stanza: Element): void;
}

export class Session {
  private xmpp: Client;
  private closing = false;
  private started = false;
  lost = false;

  constructor(private cfg: SessionConfig) {
    const { user, password } = cfg;
    this.xmpp = client({
      service: cfg.server,
      domain: cfg.domain,
      resource: cfg.resource,
      // SCRAM in @xmpp/client is pure JS and costs ~1 s of CPU per login: use PLAIN (loopback or TLS only).
      credentials: async (authenticate, mechanisms) => {
        if (!mechanisms.includes("PLAIN"))
          throw new Error(`the server offers no PLAIN login (only ${mechanisms.join(", ")}); allow it on loopback`);
        await authenticate({ username: user, password }, "PLAIN", undefined as never);
      },
      timeout: cfg.timeoutMs,
    });
    this.xmpp.reconnect.stop(); // the publisher decides when to come back, as a new session
    // @xmpp/connection decodes each TCP chunk on its own, garbling a multi-byte character split across two
    // chunks: decode the socket as a stream instead (its "data" then carries strings, which it passes through).
    this.xmpp.on("connect", () => {
      const socket = (
        this.xmpp as unknown as { socket?: { setEncoding(e: string): void; setNoDelay?(on: boolean): void } }
      ).socket;
      socket?.setEncoding("utf8");
      socket?.setNoDelay?.(true); // a fix is one small write: do not hold it back for the previous one's ACK
    });
    this.xmpp.on("error", () => {}); // failures surface through start()/request() and "disconnect"
    this.xmpp.on("disconnect", () => {
      if (this.closing || this.lost || !this.started) return;
      this.lost = true;
      cfg.onLost("connection lost");
    });
    this.xmpp.on("stanza", (st: Element) => this.onStanza(st));
  }

  get online(): boolean {
    return this.xmpp.status === "online" && !this.lost && !this.closing;
  }

  /** Connects and logs in; rejects with a short reason (and leaves nothing open) on failure or timeout. */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`login timeout (${this.cfg.timeoutMs} ms)`)), this.cfg.timeoutMs);
    });
    try {
      await Promise.race([startEntity(this.xmpp as unknown as Parameters<typeof startEntity>[0]), timeout]);
      this.started = true;
    } catch (err) {
      this.drop();
      throw new Error(loginReason(err));
    } finally {
      clearTimeout(timer);
    }
  }

  private onStanza(st: Element): void {
    this.cfg.onStanza?.(st);
    // The service asks for our presence on first publish (component/PROTOCOL.md): grant it. Nobody else gets it.
    if (st.is("presence") && st.attrs.type === "subscribe" && bare(st.attrs.from) === this.cfg.service) {
      this.send(xml("presence", { to: this.cfg.service, type: "subscribed" }));
    }
    // XEP-0060 §8.6.2: answer a subscription request with the same form, submitted, pubsub#allow set by policy
    const policy = this.cfg.authorize ?? "ignore";
    if (st.is("message") && policy !== "ignore" && bare(st.attrs.from) === this.cfg.service) {
      const x = st.getChild("x", NS.dataForms);
      const fields = x?.getChildren("field") ?? [];
      const value = (v: string) => fields.find((f) => f.attrs.var === v)?.getChildText("value") ?? "";
      if (x?.attrs.type !== "form" || value("FORM_TYPE") !== `${NS.pubsub}#subscribe_authorization`) return;
      this.send(
        xml(
          "message",
          { to: this.cfg.service },
          form(`${NS.pubsub}#subscribe_authorization`, {
            "pubsub#subid": value("pubsub#subid"),
            "pubsub#node": value("pubsub#node"),
            "pubsub#subscriber_jid": value("pubsub#subscriber_jid"),
            "pubsub#allow": policy === "allow" ? "true" : "false",
          }),
        ),
      );
    }
  }

  /** Broadcast presence (to contacts, e.g. the service once subscribed) and directed presence to the service. */
  presence(show?: "away"): void {
    const children = show ? [xml("show", {}, show)] : [];
    this.send(xml("presence", {}, ...children));
    this.send(xml("presence", { to: this.cfg.service }, ...children));
  }

  /**
   * Publishes a fix to our own node; resolves with the round-trip time in ms, rejects with a short reason.
   * With `accessModel`, adds XEP-0060 §7.1.5 publish-options, so a node created by this publish is never open.
   */
  async publish(g: Geoloc, accessModel?: AccessModel): Promise<number> {
    const pubsub = xml(
      "pubsub",
      { xmlns: NS.pubsub },
      xml("publish", { node: NODES.own }, xml("item", {}, geolocElement(g))),
    );
    if (accessModel) {
      pubsub
        .c("publish-options")
        .cnode(form("http://jabber.org/protocol/pubsub#publish-options", { "pubsub#access_model": accessModel }));
    }
    const iq = xml("iq", { type: "set", to: this.cfg.service }, pubsub);
    const t0 = performance.now();
    try {
      await this.xmpp.iqCaller.request(iq, this.cfg.timeoutMs);
    } catch (err) {
      throw new Error(reason(err));
    }
    return performance.now() - t0;
  }

  /** XEP-0060 §8.2: the owner sets pubsub#access_model on its node. */
  async configure(accessModel: AccessModel): Promise<void> {
    const node = `${this.cfg.user}@${this.cfg.domain}`;
    const config = form("http://jabber.org/protocol/pubsub#node_config", { "pubsub#access_model": accessModel });
    const iq = xml(
      "iq",
      { type: "set", to: this.cfg.service },
      xml("pubsub", { xmlns: NS.pubsubOwner }, xml("configure", { node }, config)),
    );
    try {
      await this.xmpp.iqCaller.request(iq, this.cfg.timeoutMs);
    } catch (err) {
      throw new Error(reason(err));
    }
  }

  /** A clean logout: unavailable, then the stream closes. */
  async logout(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      if (this.xmpp.status === "online") await this.xmpp.send(xml("presence", { type: "unavailable" }));
      await this.xmpp.stop();
    } catch {
      this.drop();
    }
  }

  /** The connection dies abruptly: no unavailable, no stream close (a phone losing its network). */
  drop(): void {
    this.closing = true;
    (this.xmpp as unknown as { socket?: { destroy(): void } }).socket?.destroy();
  }

  private send(el: Element): void {
    if (this.xmpp.status !== "online") return;
    this.xmpp.send(el).catch(() => {}); // a send on a dying connection: "disconnect" reports it
  }
}

/** A submitted XEP-0004 data form with a FORM_TYPE. */
function form(type: string, fields: Record<string, string>): Element {
  return xml(
    "x",
    { xmlns: NS.dataForms, type: "submit" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, type)),
    ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );
}

function bare(jid: string | undefined): string {
  return (jid ?? "").split("/")[0];
}

function loginReason(err: unknown): string {
  const e = err as { condition?: string; code?: string; message?: string };
  if (e?.code === "ECONNREFUSED") return "connection refused";
  if (e?.condition) return `login ${e.condition}`; // SASL failure: not-authorized, ...
  return e?.message ?? String(err);
}

/** A short, countable reason: the stanza error condition, "timeout" or the error's message. */
export function reason(err: unknown): string {
  const e = err as { condition?: string; name?: string; message?: string };
  if (e?.condition) return e.condition;
  if (e?.name === "TimeoutError") return "timeout";
  return e?.message ?? String(err);
}
