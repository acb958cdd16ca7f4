// The live map: config.json, log in, then the map. Wires the xmpp layer (connection, parsing) to the model (store)
// and the view; keeps the view in the URL hash and the login in the browser (app/).
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./styles.css";
import "./map/map.css";
import "./app/random-uuid.ts";
import { formatHash, parseHash, type HashView } from "./app/hash.ts";
import { forgetPassword, readSaved, save } from "./app/saved.ts";
import { renderTopbar } from "./app/topbar.ts";
import { loadConfig, type MapConfig } from "./config.ts";
import { PublisherStore } from "./model/store.ts";
import { trailFixes } from "./model/trail.ts";
import { renderBanner } from "./map/banner.ts";
import { showLogin } from "./map/login.ts";
import { MapView } from "./map/view.ts";
import { connect, type Connection, type ConnState } from "./xmpp/connection.ts";
import { bbox } from "./xmpp/subscribe.ts";

/** Pans and zooms settle this long before the subscription's area follows (one options set, not one per frame). */
const AREA_DEBOUNCE_MS = 400;

const { banner, screen, who, logout } = renderTopbar(document.getElementById("app")!, "map");

let connection: Connection | undefined;
let view: MapView | undefined;
let state: ConnState = { phase: "connecting" };
/** since when the connection is lost (the banner says it), undefined while live */
let lostAt: number | undefined;
/** the first session's snapshot is complete (it may be before the view exists: connect waits for it) */
let loaded = false;
const store = new PublisherStore();

function showState(s: ConnState): void {
  if (s.phase === "reconnecting" || (s.phase === "error" && view)) lostAt ??= Date.now();
  if (s.phase === "live") lostAt = undefined;
  state = s;
  banner.hidden = false;
  const n = view?.onMapCount() ?? 0;
  renderBanner(
    banner,
    s,
    view ? `${n.toLocaleString("en")} publisher${n === 1 ? "" : "s"} on the map` : "",
    lostAt,
    Date.now(),
  );
}

/** The area a link's view will show, padded by half its size on each side (as MapView.area), before the map exists. */
function hashArea(h: HashView): string | undefined {
  if (!h.center) return undefined;
  const crs = L.CRS.EPSG3857,
    z = h.center.zoom;
  const c = crs.latLngToPoint(L.latLng(h.center.lat, h.center.lon), z);
  const size = L.point(window.innerWidth, window.innerHeight); // the map is a little smaller: the padding covers it
  const sw = crs.pointToLatLng(c.add(L.point(-size.x, size.y)), z),
    ne = crs.pointToLatLng(c.add(L.point(size.x, -size.y)), z);
  return bbox({ south: sw.lat, west: sw.lng, north: ne.lat, east: ne.lng });
}

function start(cfg: MapConfig): void {
  const hash = parseHash(location.hash);
  showLogin(screen, cfg, readSaved(), async (login) => {
    try {
      connection = await connect(
        { ...login, service: cfg.service, digestMs: cfg.digestMs, area: cfg.followView ? hashArea(hash) : undefined },
        {
          events: (events) => store.apply(events, Date.now()),
          snapshotComplete: (listed, session) => {
            store.snapshotComplete(listed, session);
            if (session === 1) {
              loaded = true;
              view?.setLoaded();
              if (!hash.center) view?.requestFit(); // frame everyone once the first snapshot is in (not on reconnects)
            }
          },
          state: showState,
        },
      );
    } catch (err) {
      // A remembered password that no longer works is forgotten (the person types the new one).
      if ((err as Error).message.startsWith("Wrong JID or password")) forgetPassword();
      showState({ phase: "error", reason: (err as Error).message });
      throw err;
    }
    save(login);
    const conn = connection;
    let areaTimer: ReturnType<typeof setTimeout> | undefined;
    // The subscription follows the view (when the service offers areas). A failed options set changes nothing
    // that matters: the next subscribe (after a reconnect) carries the newest area.
    const followArea = () => {
      if (!cfg.followView) return;
      clearTimeout(areaTimer);
      areaTimer = setTimeout(() => {
        if (view) conn.setArea(bbox(view.area())).catch(() => {});
      }, AREA_DEBOUNCE_MS);
    };
    who.textContent = login.jid;
    logout.hidden = false;
    view = new MapView(screen, store, cfg, {
      history: async (jid, max) => trailFixes(await conn.history(jid, max), Date.now()),
      viewChanged: (v) => {
        history.replaceState(null, "", formatHash(v) || location.pathname + location.search);
        followArea();
      },
      viewer: login.jid,
    });
    if (loaded) view.setLoaded();
    view.applyHash(hash);
    addEventListener("hashchange", () => view?.applyHash(parseHash(location.hash)));
    showState(state);
    setInterval(() => showState(state), 1000); // the publisher count and the "since" in the banner
  });
}

logout.addEventListener("click", async () => {
  logout.disabled = true;
  forgetPassword();
  await connection?.stop();
  location.reload(); // a fresh page: nothing of this session stays in memory; the hash (the view) stays
});

loadConfig().then(start, (err: Error) => {
  banner.hidden = false;
  renderBanner(banner, { phase: "error", reason: err.message });
  const reason = err.message.replace(/[&<>]/g, "");
  screen.innerHTML = `<main class="login-page"><p class="error">The map cannot start: ${reason}</p></main>`;
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
    clustering: (on: boolean) => view?.setClustering(on),
    setView: (lat: number, lon: number, zoom: number) => {
      view?.map.setView([lat, lon], zoom, { animate: false });
    },
    pagePoint: (jid: string) => view?.pagePoint(jid),
    /** The colour of the basemap's tile canvas at a place (a PMTiles basemap draws on canvases), RGBA. */
    pixelAt: (lat: number, lon: number) => {
      if (!view) return undefined;
      const at = view.map.latLngToContainerPoint([lat, lon]);
      const box = view.map.getContainer().getBoundingClientRect();
      const [x, y] = [box.left + at.x, box.top + at.y];
      for (const cv of document.querySelectorAll<HTMLCanvasElement>(
        ".leaflet-tile-container canvas, canvas.leaflet-tile",
      )) {
        const r = cv.getBoundingClientRect();
        if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
        const px = cv
          .getContext("2d")!
          .getImageData(
            Math.floor(((x - r.left) * cv.width) / r.width),
            Math.floor(((y - r.top) * cv.height) / r.height),
            1,
            1,
          ).data;
        return [...px];
      }
      return undefined;
    },
    stop: () => connection?.stop(),
    drop: () => connection?.drop(),
  },
});
