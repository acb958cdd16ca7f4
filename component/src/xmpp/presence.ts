// Presence from users (RFC 6121): how the service learns whether each publisher is online.
import xml, { type Element } from "@xmpp/xml";
import { inAllowedDomain } from "../core/access.ts";
import { bare } from "../core/jid.ts";
import { parseShow } from "../core/presence.ts";
import type { GeoService } from "../core/service.ts";
import type { Notification } from "../core/model.ts";

export interface PresenceContext {
  core: GeoService;
  domain: string;
  now(): number;
  notify(n: readonly Notification[]): void;
  send(el: Element): void;
}

export function handlePresence(ctx: PresenceContext, stanza: Element): void {
  const from = stanza.attrs.from as string | undefined;
  if (!from || !inAllowedDomain(ctx.core.settings, from)) return; // nobody outside GEO_DOMAINS is tracked
  const type = stanza.attrs.type as string | undefined;
  switch (type) {
    case undefined: {
      const priority = Number(stanza.getChildText("priority") ?? 0);
      const show = parseShow(stanza.getChildText("show") ?? undefined);
      ctx.notify(ctx.core.presence(from, true, show, Number.isInteger(priority) ? priority : 0, ctx.now()));
      return;
    }
    case "unavailable":
    case "error": // RFC 6121 §4.3.2: an error about a probe or directed presence: treat that JID as offline
      ctx.notify(ctx.core.presence(from, false, undefined, 0, ctx.now()));
      return;
    case "subscribe": // a user asks to see the service's presence: granted, and the service is online
      ctx.send(xml("presence", { to: bare(from), from: ctx.domain, type: "subscribed" }));
      ctx.send(xml("presence", { to: bare(from), from: ctx.domain }));
      return;
    case "probe":
      ctx.send(xml("presence", { to: from, from: ctx.domain }));
      return;
    default: // subscribed, unsubscribe, unsubscribed: the server follows up with the presence that matters
      return;
  }
}

/** RFC 6121 §3.1.1: ask a new publisher for a presence subscription. */
export function requestSubscription(ctx: PresenceContext, publisher: string): void {
  ctx.send(xml("presence", { to: publisher, from: ctx.domain, type: "subscribe" }));
}

/** RFC 6121 §4.3: after a (re)connect, ask the server for every publisher's current presence. */
export function probeAll(ctx: PresenceContext): void {
  for (const jid of ctx.core.publishers()) ctx.send(xml("presence", { to: jid, from: ctx.domain, type: "probe" }));
}
