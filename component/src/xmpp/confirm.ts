// After a reconnect: which sessions known from the earlier connection still exist? If the server restarted while
// the service was away, every one of them ended, and a crash sends no unavailable presence (RFC 6121 §4.6 has the
// server send it only if it can). The server's uptime (XEP-0012 §5, jabber:iq:last to the server) answers that
// when it can; Prosody states it in whole seconds, so a reconnect within about a second of the server's start (a
// test's fresh Prosody, a quick crash and restart) cannot be told apart from a restart. Then each session is asked
// itself (XEP-0199 §4.2 ping to its full JID): one that answers is alive; for one that ended, the server answers
// service-unavailable (RFC 6121 §8.5.3.1). Guessing "restarted" there would end live viewers' temporary
// subscriptions (XEP-0060 §12.5) without a word; guessing "kept running" would leave ended sessions online.
import xml, { type Element } from "@xmpp/xml";
import { NS } from "../protocol/ns.ts";
import { dropUnconfirmed, type PresenceContext } from "./presence.ts";

export type Verdict = "restarted" | "kept-running" | "unsure";

/**
 * `uptimeS` is the server's whole seconds since it started (floor(now) - floor(start), so the true time since it
 * started lies within one second either side); `awayMs` how long the service was disconnected. The server restarted
 * while the service was away exactly when it has been up for less time than that. NaN (no answer) is unsure.
 */
export function restartVerdict(uptimeS: number, awayMs: number): Verdict {
  if (!Number.isFinite(uptimeS)) return "unsure";
  const away = awayMs / 1000;
  if (uptimeS + 1 <= away) return "restarted";
  if (uptimeS - 1 >= away) return "kept-running";
  return "unsure";
}

export interface ConfirmOptions {
  ctx: PresenceContext;
  /** the user domain whose server is asked for its uptime */
  server: string;
  /** sends an IQ and resolves with its result; rejects on an error reply or a timeout */
  request(iq: Element, timeoutMs: number): Promise<Element>;
  now(): number;
  log(line: string): void;
  /** false once a newer connection took over: it confirms for itself */
  current(): boolean;
}

const TIMEOUT_MS = 10_000;

/**
 * Settles `ctx.unconfirmed` after a reconnect that followed `awaySince` (the disconnect); undefined: the service
 * itself (re)started and holds temporary subscriptions from its last run, whose sessions are asked at once.
 */
export async function confirmSessions(o: ConfirmOptions, awaySince: number | undefined): Promise<void> {
  const { ctx, server, log } = o;
  if (awaySince === undefined) {
    const { asked, gone, ended } = await pingUnconfirmed(o);
    if (!o.current()) return;
    const now = o.now();
    // alive: available again to the service, so that their temporary subscriptions end with their sessions
    for (const jid of asked)
      if (!gone.has(jid)) ctx.notify(ctx.core.presence(jid, true, undefined, 0, now).notifications);
    log(
      `temporary subscriptions from the last run: asked their ${asked.length} sessions (XEP-0199 ping); ` +
        `${asked.length - gone.size} answered and keep them, ${ended} ended`,
    );
    return;
  }
  const uptime = await o
    .request(xml("iq", { type: "get", to: server }, xml("query", { xmlns: NS.last })), TIMEOUT_MS)
    .then(
      (r) => Number(r.getChild("query", NS.last)?.attrs.seconds ?? NaN),
      () => NaN,
    );
  if (!o.current()) return;
  const awayMs = o.now() - awaySince;
  const known = Number.isNaN(uptime)
    ? 'its uptime is unknown: enable Prosody\'s "uptime" module (ejabberd: mod_last)'
    : `up ${uptime} s, the service was away ${Math.round(awayMs / 1000)} s`;
  const verdict = restartVerdict(uptime, awayMs);
  if (verdict === "kept-running") {
    const sessions = ctx.unconfirmed.size;
    log(
      `${server} kept running (${known}): ${sessions} sessions known from before and not heard from since stay online`,
    );
    ctx.unconfirmed.clear();
    return;
  }
  if (verdict === "restarted") {
    const ended = dropUnconfirmed(ctx);
    if (ended)
      log(`${server} restarted while the service was away (${known}): ${ended} sessions it had then are offline now`);
    return;
  }
  const { asked, gone, ended } = await pingUnconfirmed(o);
  if (!o.current()) return;
  log(
    `${server} may have restarted while the service was away (${known}): ` +
      `asked the ${asked.length} sessions known from before (XEP-0199 ping); ` +
      `${asked.length - gone.size} answered and stay online, ${ended} are offline now`,
  );
}

/** XEP-0199 §4.2: pings every unconfirmed session; those that do not answer with a result go offline. */
async function pingUnconfirmed(o: ConfirmOptions): Promise<{ asked: string[]; gone: Set<string>; ended: number }> {
  const asked = [...o.ctx.unconfirmed];
  const ping = (to: string) =>
    o.request(xml("iq", { type: "get", to }, xml("ping", { xmlns: NS.ping })), TIMEOUT_MS).then(
      () => true,
      () => false,
    );
  const alive = await Promise.all(asked.map(ping));
  if (!o.current()) return { asked, gone: new Set(), ended: 0 };
  const gone = new Set(asked.filter((_, i) => !alive[i]));
  return { asked, gone, ended: dropUnconfirmed(o.ctx, gone) };
}
