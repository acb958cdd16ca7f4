// The live map: log in, then the map. Wires the xmpp layer (connection, parsing) to the model (store) and the view.
import "leaflet/dist/leaflet.css";
import "./styles.css";
import { readConfig } from "./config.ts";
import { PublisherStore } from "./model/store.ts";
import { trailFixes } from "./model/trail.ts";
import { renderBanner } from "./map/banner.ts";
import { showLogin } from "./map/login.ts";
import { MapView } from "./map/view.ts";
import { connect, type Connection, type ConnState } from "./xmpp/connection.ts";

// @xmpp/client names its user agent with crypto.randomUUID, which browsers only offer in secure contexts
// (https, localhost). Served over plain http from another host the map would not start without this.
if (typeof crypto.randomUUID !== "function") {
  Object.defineProperty(crypto, "randomUUID", {
    value: () => {
      const b = crypto.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 version 4
      const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  });
}

const cfg = readConfig(location.search);
const app = document.getElementById("app")!;
app.innerHTML = `<div id="banner" class="banner" hidden></div><div id="screen" class="screen"></div>`;
const banner = app.querySelector<HTMLElement>("#banner")!;
const screen = app.querySelector<HTMLElement>("#screen")!;

let connection: Connection | undefined;
let view: MapView | undefined;
let state: ConnState = { phase: "connecting" };
const store = new PublisherStore();

function showState(s: ConnState): void {
  state = s;
  banner.hidden = false;
  let n = 0;
  if (view) for (const p of store.publishers.values()) if (p.fix) n++;
  renderBanner(banner, s, view ? `${n.toLocaleString("en")} publisher${n === 1 ? "" : "s"} on the map` : "");
}

showLogin(screen, cfg, async (login) => {
  try {
    connection = await connect(login, {
      events: (events) => store.apply(events, Date.now()),
      snapshotComplete: (listed, session) => {
        store.snapshotComplete(listed, session);
        if (session === 1) view?.requestFit(); // frame everyone once the first snapshot is in (not on reconnects)
      },
      state: showState,
    });
  } catch (err) {
    showState({ phase: "error", reason: (err as Error).message });
    throw err;
  }
  const conn = connection;
  view = new MapView(screen, store, cfg, {
    history: async (jid, max) => trailFixes(await conn.history(jid, max), Date.now()),
  });
  showState(state);
  setInterval(() => showState(state), 1000); // the publisher count in the banner
});

// For tests and debugging: what is drawn (the canvas has no element per marker).
Object.assign(window, {
  geoMap: {
    state: () => state,
    view: () => view?.debug(),
    publishers: () => [...store.publishers.values()],
    /** Applies model events as if they had arrived (benchmarks feed thousands of synthetic publishers). */
    apply: (events: Parameters<PublisherStore["apply"]>[0]) => store.apply(events, Date.now()),
    select: (jid: string) => view?.select(jid),
    fit: () => view?.fitAll(),
    pagePoint: (jid: string) => view?.pagePoint(jid),
    stop: () => connection?.stop(),
    drop: () => connection?.drop(),
  },
});
