// Presence from users (RFC 6121): how the service learns whether each publisher is online.
import xml, { type Element } from "@xmpp/xml";
import { inAllowedDomain } from "../core/access.ts";
import { bare } from "../core/jid.ts";
import { parseShow } from "../core/presence.ts";
import type { GeoService } from "../core/service.ts";
import type { Notification } from "../core/model.ts";
import { capsElement } from "./caps.ts";

export interface PresenceContext {
  core: GeoService;
  domain: string;
  now(): number;
  notify(n: readonly Notification[]): void;
  send(el: Element): void;
  /** bare JIDs the service has sent its caps presence to on this connection */
  announced: Set<string>;
  /** JIDs available on an earlier connection that no presence on this one has confirmed yet */
  unconfirmed: Set<string>;
}

/** The service's own presence, with XEP-0115 caps announcing geoloc+notify (XEP-0163 §4.2). */
const ownPresence = (ctx: PresenceContext, to: string) => xml("presence", { to, from: ctx.domain }, capsElement());

/**
 * XEP-0163 §4.2: a user's PEP service delivers geoloc events to a contact that has sent it presence with
 * geoloc+notify caps; Prosody's mod_pep does so when the user's roster has the service with subscription `from` or
 * `both` (the user shares presence with the service). Sent once per user and connection (Prosody keeps it in memory
 * until it receives unavailable from the service or restarts, and a restart drops this connection too).
 */
export function announceCaps(ctx: PresenceContext, user: string): void {
  const who = bare(user);
  if (ctx.announced.has(who)) return;
  ctx.announced.add(who);
  ctx.send(ownPresence(ctx, who));
}

export function handlePresence(ctx: PresenceContext, stanza: Element): void {
  const from = stanza.attrs.from as string | undefined;
  if (!from || !inAllowedDomain(ctx.core.settings, from)) return; // nobody outside GEO_DOMAINS is tracked
  ctx.unconfirmed.delete(from);
  const type = stanza.attrs.type as string | undefined;
  switch (type) {
    case undefined: {
      const priority = Number(stanza.getChildText("priority") ?? 0);
      const show = parseShow(stanza.getChildText("show") ?? undefined);
      ctx.notify(
        ctx.core.presence(from, true, show, Number.isInteger(priority) ? priority : 0, ctx.now()).notifications,
      );
      if (from.includes("/")) ctx.core.saveSession(from, true);
      announceCaps(ctx, from);
      return;
    }
    case "unavailable":
    case "error": // RFC 6121 §4.3.2: an error about a probe or directed presence: treat that JID as offline
      ctx.notify(ctx.core.presence(from, false, undefined, 0, ctx.now()).notifications);
      if (from.includes("/")) ctx.core.saveSession(from, false);
      return;
    case "subscribe": // a user adds the service as a contact: granted, the service is online, and asks back
      ctx.send(xml("presence", { to: bare(from), from: ctx.domain, type: "subscribed" }));
      ctx.announced.add(bare(from));
      ctx.send(ownPresence(ctx, bare(from)));
      requestSubscription(ctx, bare(from)); // RFC 6121 §3.1.1: sharing presence back is what makes PEP ingest work
      return;
    case "subscribed": // RFC 6121 §3.1.5: the user now shares presence with the service: (re)announce caps
      ctx.announced.delete(bare(from));
      announceCaps(ctx, from);
      return;
    case "probe":
      ctx.send(xml("presence", { to: from, from: ctx.domain }, capsElement()));
      return;
    default: // unsubscribe, unsubscribed: the server follows up with the presence that matters
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

/**
 * Sessions of the earlier connection that ended unheard (the server restarted, or a ping found them gone:
 * ./confirm.ts): a crash sends no unavailable presence (RFC 6121 §4.6 has the server send it for a session that
 * ends, if it can).
 * Those still unconfirmed (all, or those of `gone`) go offline, which also ends their temporary subscriptions
 * (XEP-0060 §12.5); the rest stay as they are. Returns how many went offline.
 */
export function dropUnconfirmed(ctx: PresenceContext, gone?: ReadonlySet<string>): number {
  const ended = new Set([...ctx.unconfirmed].filter((jid) => !gone || gone.has(jid)));
  ctx.unconfirmed.clear();
  const now = ctx.now();
  const told = [...ended].flatMap((jid) => ctx.core.presence(jid, false, undefined, 0, now).notifications);
  ctx.notify(told.filter((n) => !(n.to.includes("/") && ended.has(n.to)))); // an ended session is told nothing
  return ended.size;
}
