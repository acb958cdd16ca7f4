// Entry of the "My sharing" page (client-web/sharing.html, built next to the map's index.html by `npm run
// map:build`): the map's config.json, the map's login form and saved session (a "remember me" on either page logs
// in both), then the page. Nothing comes from the query string: a password never travels in a URL.
import "../styles.css";
import "./sharing.css";
import "../app/random-uuid.ts";
import { forgetPassword, readSaved, save } from "../app/saved.ts";
import { renderTopbar } from "../app/topbar.ts";
import { loadConfig, type MapConfig } from "../config.ts";
import { renderBanner } from "../map/banner.ts";
import { showLogin } from "../map/login.ts";
import { openSession, type Session } from "../xmpp/session.ts";
import { SharingApi } from "./api.ts";
import { mountSharing } from "./page.ts";

const { banner, screen, who, logout } = renderTopbar(document.getElementById("app")!, "sharing");
let session: Session | undefined;

function start(cfg: MapConfig): void {
  showLogin(
    screen,
    cfg,
    readSaved(),
    async (login) => {
      try {
        session = await openSession({
          websocket: login.websocket,
          jid: login.jid,
          password: login.password,
          service: cfg.service,
          resource: "sharing",
        });
      } catch (err) {
        // A remembered password that no longer works is forgotten (as on the map).
        if ((err as Error).message.startsWith("Wrong JID or password")) forgetPassword();
        throw err;
      }
      save(login);
      who.textContent = session.jid;
      logout.hidden = false;
      let lostAt: number | undefined;
      session.onReconnect((lost) => {
        banner.hidden = !lost;
        if (lost) renderBanner(banner, { phase: "reconnecting" }, "", (lostAt ??= Date.now()));
        else lostAt = undefined;
      });
      const s = session;
      await mountSharing(screen, new SharingApi(s.iq, s.send, cfg.service, s.jid));
    },
    "geo presence: my sharing",
  );
}

logout.addEventListener("click", async () => {
  logout.disabled = true;
  forgetPassword();
  await session?.stop();
  location.reload();
});

loadConfig().then(start, (err: Error) => {
  banner.hidden = false;
  renderBanner(banner, { phase: "error", reason: err.message });
  const reason = err.message.replace(/[&<>]/g, "");
  screen.innerHTML = `<main class="login-page"><p class="error">The page cannot start: ${reason}</p></main>`;
});
