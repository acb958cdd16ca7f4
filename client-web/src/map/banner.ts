// The connection banner: connecting, live, reconnecting (since when), error with the reason. Renders only.
import type { ConnState } from "../xmpp/connection.ts";
import { ago } from "../model/status.ts";

const WORDS: Record<ConnState["phase"], string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Connection lost, reconnecting…",
  error: "Error",
};

const clock = (t: number) => new Date(t).toLocaleTimeString("en-GB", { hour12: false });

/** `lostAt`: when the connection was lost (shown while reconnecting, so a person knows how old the map is). */
export function renderBanner(el: HTMLElement, state: ConnState, extra = "", lostAt?: number, now = Date.now()): void {
  el.dataset.phase = state.phase;
  el.setAttribute("role", state.phase === "error" ? "alert" : "status");
  const reason = state.reason ? `: ${state.reason}` : "";
  const since =
    lostAt !== undefined && state.phase !== "live"
      ? ` Connection lost since ${clock(lostAt)} (${ago(now - lostAt)}); the map shows positions as of then.`
      : "";
  if (lostAt !== undefined && state.phase !== "live") el.dataset.since = String(lostAt);
  else delete el.dataset.since;
  el.textContent = `${WORDS[state.phase]}${reason}${since}${extra && state.phase === "live" ? ` · ${extra}` : ""}`;
}
