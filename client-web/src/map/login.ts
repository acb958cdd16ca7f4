// The login form: JID and password; WebSocket URL and service JID prefilled (overridable by query string).
import type { MapConfig } from "../config.ts";

export interface LoginValues {
  jid: string;
  password: string;
  websocket: string;
  service: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Shows the form; `submit` resolves when logged in (the form goes) or rejects with the reason (shown, form stays). */
export function showLogin(el: HTMLElement, cfg: MapConfig, submit: (v: LoginValues) => Promise<void>): void {
  el.innerHTML = `
    <form id="login" class="login" novalidate>
      <h1>geo presence: live map</h1>
      <label>JID <input name="jid" type="text" autocomplete="username" required placeholder="viewer@localhost" value="${esc(cfg.jid)}"></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required value="${esc(cfg.password)}"></label>
      <details>
        <summary>Connection</summary>
        <label>WebSocket URL <input name="websocket" type="url" required value="${esc(cfg.websocket)}"></label>
        <label>Service JID <input name="service" type="text" required value="${esc(cfg.service)}"></label>
      </details>
      <button type="submit">Sign in</button>
      <p id="login-error" class="error" role="alert" hidden></p>
    </form>`;
  const form = el.querySelector<HTMLFormElement>("#login")!;
  const error = el.querySelector<HTMLElement>("#login-error")!;
  const button = form.querySelector("button")!;
  const go = async () => {
    const data = new FormData(form);
    const v = Object.fromEntries(["jid", "password", "websocket", "service"].map((k) => [k, String(data.get(k) ?? "").trim()])) as unknown as LoginValues;
    if (!v.jid || !v.password) { error.hidden = false; error.textContent = "Enter a JID and a password."; return; }
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
  form.addEventListener("submit", (e) => { e.preventDefault(); void go(); });
  if (cfg.autologin) void go();
  else form.querySelector<HTMLInputElement>(cfg.jid ? "[name=password]" : "[name=jid]")!.focus();
}
