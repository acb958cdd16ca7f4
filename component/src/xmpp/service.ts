// The shell: wires the core to an @xmpp/component entity. Build and start are separate: createService() wires
// without connecting; main.ts (or a test) calls entity.start().
import type { Component } from "@xmpp/component";
import xml, { type Element } from "@xmpp/xml";
import { randomBytes } from "node:crypto";
import type { Notification } from "../core/model.ts";
import { GeoService } from "../core/service.ts";
import type { Settings } from "../core/state.ts";
import type { Store } from "../core/store.ts";
import { NS } from "../protocol/ns.ts";
import { handleMessage } from "./authorize.ts";
import { discoInfo, discoItemsOf } from "./disco.ts";
import { Outbox } from "./outbox.ts";
import { handlePresence, probeAll, requestSubscription, type PresenceContext } from "./presence.ts";
import { handleOwner, handlePubsub, type HandlerContext } from "./pubsub.ts";

export interface ServiceOptions {
  entity: Component;
  store: Store;
  settings: Settings;
  clock?: () => number;
  log?: (line: string) => void;
}

export interface RunningService {
  core: GeoService;
  outbox: Outbox;
  domain: string;
}

const newId = () => randomBytes(9).toString("base64url");
// iq/callee turns a falsy handler result into service-unavailable; `true` means "empty result".
const EMPTY_RESULT = true as unknown as Element;

export function createService({ entity, store, settings, clock = Date.now, log = () => {} }: ServiceOptions): RunningService {
  const domain = entity.options.domain;
  const core = new GeoService(store, settings, newId);
  const outbox = new Outbox(entity, domain, (e) => log(`error: sending notifications failed: ${e.message}`));
  const notify = (n: readonly Notification[]) => outbox.push(n);
  const send = (el: Element) => void entity.send(el).catch((e: Error) => log(`error: send failed: ${e.message}`));
  const presenceCtx: PresenceContext = { core, domain, now: clock, notify, send };
  const ctx: HandlerContext = { core, now: clock, notify, created: (jid) => requestSubscription(presenceCtx, jid) };

  const route = (type: "get" | "set", ns: string, name: string, handler: (from: string, el: Element) => Element | undefined) =>
    entity.iqCallee[type](ns, name, (c) => handler(String(c.stanza.attrs.from), c.element) ?? EMPTY_RESULT);

  for (const type of ["get", "set"] as const) {
    route(type, NS.pubsub, "pubsub", (from, el) => handlePubsub(ctx, from, el, type));
    route(type, NS.pubsubOwner, "pubsub", (from, el) => handleOwner(ctx, from, el, type));
  }
  route("get", NS.discoInfo, "query", (from, el) => discoInfo(core, from, el.attrs.node));
  route("get", NS.discoItems, "query", (from, el) => discoItemsOf(core, domain, from, el.attrs.node));
  route("get", NS.ping, "ping", () => undefined); // XEP-0199 §4.2: an empty result
  route("get", NS.version, "query", () => xml("query", { xmlns: NS.version }, xml("name", {}, "geo-presence"), xml("version", {}, "0.1.0")));

  entity.on("stanza", (stanza: Element) => {
    if (stanza.is("presence")) handlePresence(presenceCtx, stanza);
    else if (stanza.is("message")) handleMessage(presenceCtx, stanza);
  });
  // @xmpp/connection decodes each TCP chunk on its own and garbles a multi-byte character split across two reads
  // (../shared/STACK.md); a socket decoding UTF-8 as a stream hands it whole strings.
  // Nagle off: notifications are small and latency-bound; the outbox already batches per event-loop turn.
  entity.on("connect", () => entity.socket?.setEncoding("utf8").setNoDelay(true));
  entity.on("online", () => probeAll(presenceCtx));

  return { core, outbox, domain };
}
