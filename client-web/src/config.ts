// Settings from the query string, with the local demo's defaults.
//   ?ws=ws://host:5280/xmpp-websocket &service=geo.example.org &jid=viewer@example.org &password=... (local demo only:
//   with jid and password the map logs in at once) &tiles=https://tile.example.org/{z}/{x}/{y}.png &stale=120 (s) &trail=50
export interface MapConfig {
  websocket: string;
  service: string;
  jid: string;
  password: string;
  autologin: boolean;
  tiles: string;
  tilesAttribution: string;
  staleAfterMs: number;
  trailLength: number;
}

export const DEFAULTS = {
  websocket: "ws://localhost:5280/xmpp-websocket",
  service: "geo.localhost",
  staleAfterSeconds: 120,
  trailLength: 50,
};

function positive(v: string | null, fallback: number): number {
  const n = Number(v);
  return v !== null && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function readConfig(search: string): MapConfig {
  const q = new URLSearchParams(search);
  const jid = q.get("jid") ?? "";
  const password = q.get("password") ?? "";
  return {
    websocket: q.get("ws") || DEFAULTS.websocket,
    service: q.get("service") || DEFAULTS.service,
    jid,
    password,
    autologin: jid !== "" && password !== "",
    tiles: q.get("tiles") ?? "",
    tilesAttribution: q.get("attribution") ?? "",
    staleAfterMs: positive(q.get("stale"), DEFAULTS.staleAfterSeconds) * 1000,
    trailLength: Math.round(positive(q.get("trail"), DEFAULTS.trailLength)),
  };
}
