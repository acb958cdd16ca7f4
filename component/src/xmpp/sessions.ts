// Sessions after a node of an ejabberd cluster is lost (issue 22; component/CLUSTER.md §9). When a node dies, its
// users' sessions end without the unavailable presence RFC 6121 §4.6 asks for (the node that would send it is
// gone), so no instance learns that they went offline. And the instance that takes a dead instance's slot never
// saw its users' presence, so it does not know their sessions either.
//
// So the available full JIDs are shared (PostgreSQL `sessions`, written by the publisher's instance as presence
// comes and goes), and an instance that takes a slot asks every one of them (XEP-0199 §4.2 ping, from the service
// JID). The answer comes from the user, so ejabberd's bare_source routes it to the instance that serves that user
// now, whichever instance asked: a result there means the session lives (and tells an instance that took the
// user's slot about it); an error (ejabberd answers service-unavailable for a session that no longer exists, RFC
// 6121 §8.5.3.1) means it ended: that instance takes it as the session's unavailable presence.
import xml, { type Element } from "@xmpp/xml";
import { NS } from "../protocol/ns.ts";
import type { PresenceContext } from "./presence.ts";

export const CONFIRM_ID = "geo-session-";

/** Pings each full JID; the answers are handled by whichever instance they reach (onSessionAnswer). */
export function askSessions(ctx: PresenceContext, jids: readonly string[]): void {
  let n = 0;
  for (const to of jids)
    ctx.send(
      xml("iq", { type: "get", to, from: ctx.domain, id: `${CONFIRM_ID}${++n}` }, xml("ping", { xmlns: NS.ping })),
    );
}

/** An answer to askSessions (this instance's or another's): true if it was one. */
export function onSessionAnswer(ctx: PresenceContext, stanza: Element): boolean {
  const from = stanza.attrs.from as string | undefined;
  if (!stanza.is("iq") || !String(stanza.attrs.id ?? "").startsWith(CONFIRM_ID) || !from?.includes("/")) return false;
  if (stanza.attrs.type === "error") ctx.notify(ctx.core.presence(from, false, undefined, 0, ctx.now()).notifications);
  else if (stanza.attrs.type === "result" && !ctx.core.isAvailable(from))
    ctx.notify(ctx.core.presence(from, true, undefined, 0, ctx.now()).notifications);
  else return stanza.attrs.type === "result";
  ctx.core.saveSession(from, stanza.attrs.type === "result");
  return true;
}
