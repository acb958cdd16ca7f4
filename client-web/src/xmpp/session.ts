// A plain XMPP session for pages that ask the service things and need no live feed ("My sharing"): logs in over
// WebSocket like the map (same errors, same words), checks that the service answers disco#info (XEP-0030), and
// offers IQs to the service and raw sends. No presence to the service and no subscriptions: it watches nobody.
import { client, xml, type Client } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { NS } from "../../../component/src/protocol/ns.ts";
import { explainLoginError, explainServiceError, ServiceMissing, splitJid } from "./errors.ts";

export interface SessionOptions {
  websocket: string;
  /** bare JID */
  jid: string;
  password: string;
  service: string;
  /** the resource's prefix (a random tail follows) */
  resource: string;
}

export interface Session {
  /** the bare JID logged in */
  readonly jid: string;
  /** An IQ to the service; resolves with the payload of the result (undefined when empty), rejects with the error. */
  iq(type: "get" | "set", child: Element): Promise<Element | undefined>;
  send(el: Element): Promise<void>;
  /** the session went away and is coming back (true) or is back (false) */
  onReconnect(f: (lost: boolean) => void): void;
  stop(): Promise<void>;
}

/** Logs in; rejects with a message a person can act on (wrong password, server unreachable, service missing). */
export async function openSession(o: SessionOptions): Promise<Session> {
  const { local, domain } = splitJid(o.jid);
  const xmpp: Client = client({
    service: o.websocket,
    domain,
    username: local,
    password: o.password,
    resource: `${o.resource}-${Math.random().toString(36).slice(2, 10)}`,
  });
  xmpp.on("error", () => {}); // reported by start() below, or followed by a reconnect
  const stop = async () => {
    xmpp.reconnect.stop();
    await xmpp.stop().catch(() => {});
  };
  try {
    await xmpp.start();
  } catch (err) {
    await stop();
    throw new Error(explainLoginError(err, o.websocket));
  }
  try {
    await xmpp.iqCaller.get(xml("query", { xmlns: NS.discoInfo }), o.service);
  } catch (err) {
    await stop();
    throw new Error(explainServiceError(new ServiceMissing(err), o.service));
  }
  return {
    jid: `${local}@${domain}`,
    iq: async (type, child) =>
      (await xmpp.iqCaller.request(xml("iq", { type, to: o.service }, child))).getChildElements()[0],
    send: (el) => xmpp.send(el),
    onReconnect: (f) =>
      xmpp.on("status", (s: string) => {
        if (s === "disconnect" || s === "connecting") f(true);
        else if (s === "online") f(false);
      }),
    stop,
  };
}
