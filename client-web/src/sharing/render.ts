// "My sharing": the report (api.ts's parse of the who-sees-me command) as HTML. Renders only; page.ts wires the
// buttons. Every state is told in words (precision, sharing, pending), never by colour alone; tables have headers;
// each button's accessible name says whom it acts on; `data-key` names a button across re-renders (focus returns).
import type { Report, Row } from "./api.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const ACCESS: Record<string, string> = {
  open: "anyone on the server",
  whitelist: "only the people listed below",
  authorize: "the people you approved (listed below); others can ask",
  presence: "your contacts (roster)",
  roster: "contacts in the allowed roster groups",
};

const cell = (x: Row, c: keyof Row) =>
  c === "temporary" ? (x[c] === "true" ? "yes" : x[c] === "false" ? "no" : "–") : x[c] || "–";

function table(id: string, caption: string, r: Row[], cols: [keyof Row, string][], empty: string): string {
  if (!r.length) return `<p id="${id}" class="none">${empty}</p>`;
  return `<table id="${id}"><caption class="visually-hidden">${caption}</caption>
    <thead><tr>${cols.map(([, label]) => `<th scope="col">${label}</th>`).join("")}</tr></thead>
    <tbody>${r.map((x) => row(x, cols)).join("")}</tbody></table>`;
}

const row = (x: Row, cols: [keyof Row, string][]) =>
  `<tr>${cols.map(([c]) => `<td>${esc(cell(x, c))}</td>`).join("")}</tr>`;

/** How precisely `jid` sees me: the words of the service's rule (XEP-0080 fix exact, or the node's coarse grid). */
export function precisionOf(r: Report, jid: string): "exact" | "coarse" {
  const km = Number(r.fields["geo#coarse_km"]?.[0] ?? 0);
  return km <= 0 || (r.fields["geo#exact"] ?? []).includes(jid) ? "exact" : "coarse";
}

function member(r: Report, jid: string, km: string): string {
  const p = precisionOf(r, jid);
  const toggle = Number(km) > 0 ? precisionToggle(p, jid, km) : "";
  return `<li data-jid="${esc(jid)}" data-precision="${p}"><span class="jid">${esc(jid)}</span>
    <span class="precision">${p === "exact" ? "sees your exact position" : `sees a ${esc(km)} km grid cell`}</span>
    ${toggle}<button type="button" data-act="revoke" data-jid="${esc(jid)}" data-key="revoke:${esc(jid)}"
      aria-label="Remove ${esc(jid)}">Remove</button></li>`;
}

/** The button that turns `jid`'s precision the other way (exact to coarse, coarse to exact). */
function precisionToggle(p: "exact" | "coarse", jid: string, km: string): string {
  const act = p === "exact" ? "coarse" : "exact";
  const label = p === "exact" ? `Coarse only for ${esc(jid)}` : `Exact for ${esc(jid)}`;
  const title =
    p === "exact" ? `Show ${esc(jid)} only the ${esc(km)} km grid cell` : `Show ${esc(jid)} your exact position`;
  return `<button type="button" data-act="${act}" data-jid="${esc(jid)}" data-key="${act}:${esc(jid)}"
        aria-label="${label}" title="${title}">${p === "exact" ? "Coarse only" : "Exact"}</button>`;
}

function request(j: string): string {
  return `<li class="request" data-jid="${esc(j)}"><span class="jid">${esc(j)}</span> asks to see your location
        <button type="button" data-allow="true" data-key="allow:${esc(j)}"
          aria-label="Approve ${esc(j)}">Approve</button>
        <button type="button" data-allow="false" data-key="deny:${esc(j)}"
          aria-label="Deny ${esc(j)}">Deny</button></li>`;
}

const NO_NODE =
  "You share nothing here: you have no location node. " +
  `Publish a position (the README's "Three ways to publish") to start.`;

export function renderReport(root: HTMLElement, r: Report): void {
  if (!r.node) {
    root.innerHTML = `<p id="no-node">${NO_NODE}</p>`;
    return;
  }
  const f = r.fields;
  const access = f["pubsub#access_model"]?.[0] ?? "";
  const km = f["geo#coarse_km"]?.[0] ?? "0";
  const members = f.members ?? [];
  const pending = f.pending ?? [];
  const sharing = f.sharing?.[0] ?? "";
  const accessText = esc(ACCESS[access] ?? "see your server's documentation");
  const coarse =
    km === "0"
      ? "Everybody who may see you sees your exact position."
      : `Precision: a ${esc(km)} km grid cell for everybody not marked exact below.`;
  const memberList = members.map((j) => member(r, j, km)).join("") || `<li class="none">nobody listed</li>`;
  const exactList =
    (f["geo#exact"] ?? []).map((j) => `<li>${esc(j)}</li>`).join("") ||
    `<li class="none">${km === "0" ? "everybody (no grid set)" : "only you"}</li>`;
  const requests = pending.length
    ? `<ul class="people">${pending.map(request).join("")}</ul>`
    : `<p class="none">Nobody is waiting for an answer.</p>`;
  root.innerHTML = `
    <section id="who-may-see" aria-labelledby="h-who"><h2 id="h-who">Who may see me, and how precisely</h2>
      <p>Access model: <b id="access">${esc(access)}</b> (${accessText}).</p>
      <p id="coarse" data-km="${esc(km)}">${coarse}</p>
      <ul id="members" class="people">${memberList}</ul>
      <h3>Exact position</h3>
      <ul id="exact" class="people">${exactList}</ul></section>
    <section id="pending" aria-labelledby="h-pending"><h2 id="h-pending">Asking to see me (${pending.length})</h2>
      ${requests}</section>
    <section aria-labelledby="h-watching"><h2 id="h-watching">Watching now</h2>
      ${table(
        "watching",
        "Subscribed now",
        r.watching,
        [
          ["jid", "Who"],
          ["what", "How"],
          ["precision", "Precision"],
          ["area", "Area"],
          ["temporary", "Ends when they go offline"],
        ],
        "Nobody is subscribed to you now.",
      )}</section>
    <section aria-labelledby="h-looked"><h2 id="h-looked">Looked in the last 24 hours</h2>
      ${table(
        "looked",
        "Fetched your items",
        r.looked,
        [
          ["jid", "Who"],
          ["when", "Latest"],
          ["count", "Times"],
        ],
        "Nobody fetched your location in the last 24 hours.",
      )}</section>
    <section id="actions" aria-labelledby="h-actions"><h2 id="h-actions">Sharing</h2>
      <p>Sharing: <span id="share-state">${esc(sharing)}</span></p>
      <button type="button" id="share-hour" data-key="share-hour">Share for 1 hour</button>
      <button type="button" id="stop" data-key="stop">Stop sharing</button>
      <button type="button" id="erase" data-key="erase" class="danger">Erase my data</button>
      <p class="hint">"Share for 1 hour" sets the end of sharing an hour from now: then your viewers are told you
      stopped and nobody but you gets your positions. "Stop sharing" tells your viewers at once. "Erase my data"
      deletes your location node, its history, who may see you and the record of who looked.</p></section>`;
}
