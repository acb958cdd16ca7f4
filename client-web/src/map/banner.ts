// The connection banner: connecting, live, reconnecting, error with the reason. Renders only.
import type { ConnState } from "../xmpp/connection.ts";

const WORDS: Record<ConnState["phase"], string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Connection lost, reconnecting…",
  error: "Error",
};

export function renderBanner(el: HTMLElement, state: ConnState, extra = ""): void {
  el.dataset.phase = state.phase;
  el.setAttribute("role", state.phase === "error" ? "alert" : "status");
  const reason = state.reason ? `: ${state.reason}` : "";
  el.textContent = `${WORDS[state.phase]}${reason}${extra && state.phase === "live" ? ` · ${extra}` : ""}`;
}
