// The login form: server (WebSocket URL), JID, password, "remember me". Pre-filled from what the browser saved
// (app/saved.ts), else from config.json (the demo's viewer). Renders only; `submit` does the work.
import type { MapConfig } from "../config.ts";
import type { SavedLogin } from "../app/saved.ts";

export interface LoginValues {
  jid: string;
  password: string;
  websocket: string;
  remember: boolean;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A bare name means an account on the configured user domain. */
export function completeJid(jid: string, domain: string): string {
  return jid.includes("@") || !domain ? jid : `${jid}@${domain}`;
}

/**
 * Shows the form; `submit` resolves when logged in (the form goes) or rejects with the reason (shown, form stays).
 * With a remembered password it logs in at once. Both pages use it (`title` names the page): one login, one saved
 * session (app/saved.ts), so "remember me" on the map logs in "My sharing" too.
 */
export function showLogin(
  el: HTMLElement,
  cfg: MapConfig,
  saved: SavedLogin,
  submit: (v: LoginValues) => Promise<void>,
  title = "geo presence: live map",
): void {
  const jid = saved.jid ?? cfg.demo?.jid ?? "";
  const password = saved.password ?? cfg.demo?.password ?? "";
  const placeholder = cfg.domain ? `name@${cfg.domain}` : "name@example.org";
  const checked = saved.password ? " checked" : "";
  const hint =
    `The service: ${cfg.service}. Your password is sent to your XMPP server only; ` +
    `it is kept in this browser only if you tick "remember me" (logging out forgets it).`;
  el.innerHTML = `
    <main class="login-page">
    <form id="login" class="login" novalidate aria-labelledby="login-title">
      <h1 id="login-title">${esc(title)}</h1>
      <label>Server (WebSocket URL) <input name="websocket" type="url" required autocomplete="url"
        value="${esc(saved.websocket ?? cfg.websocket)}"></label>
      <label>JID <input name="jid" type="text" autocomplete="username" required
        placeholder="${esc(placeholder)}" value="${esc(jid)}"></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required
        value="${esc(password)}"></label>
      <label class="check"><input name="remember" type="checkbox"${checked}> Remember me on this device</label>
      <button type="submit">Sign in</button>
      <p id="login-error" class="error" role="alert" hidden></p>
      <p class="hint">${esc(hint)}</p>
    </form>
    </main>`;
  const form = el.querySelector<HTMLFormElement>("#login")!;
  const error = el.querySelector<HTMLElement>("#login-error")!;
  const button = form.querySelector("button")!;
  const go = async () => {
    const data = new FormData(form);
    const get = (k: string) => String(data.get(k) ?? "").trim();
    const v: LoginValues = {
      jid: completeJid(get("jid"), cfg.domain),
      password: String(data.get("password") ?? ""),
      websocket: get("websocket"),
      remember: data.get("remember") === "on",
    };
    const missing = !v.websocket
      ? "Enter the server's WebSocket URL (e.g. wss://example.org/xmpp-websocket)."
      : !v.jid || !v.password
        ? "Enter a JID and a password."
        : "";
    if (missing) {
      error.hidden = false;
      error.textContent = missing;
      return;
    }
    button.disabled = true;
    error.hidden = true;
    try {
      await submit(v);
    } catch (err) {
      error.hidden = false;
      error.textContent = (err as Error).message || String(err);
      button.disabled = false;
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void go();
  });
  if (saved.password && jid) void go();
  else form.querySelector<HTMLInputElement>(jid ? "[name=password]" : "[name=jid]")!.focus();
}
