// "My sharing" page: renders the report and wires each button to one SharingApi call, then shows the report again.
import type { Report, Row, SharingApi } from "./api.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const list = (jids: string[] | undefined, empty: string) => (jids?.length ? jids.map((j) => `<li>${esc(j)}</li>`).join("") : `<li class="none">${empty}</li>`);
const rows = (r: Row[], cols: Array<keyof Row>) => r.map((x) => `<tr>${cols.map((c) => `<td>${esc(x[c])}</td>`).join("")}</tr>`).join("");

export function renderReport(root: HTMLElement, r: Report): void {
  if (!r.node) {
    root.innerHTML = `<p id="no-node">You share nothing here: you have no location node.</p>`;
    return;
  }
  const f = r.fields;
  root.innerHTML = `
    <section id="who-may-see"><h2>Who may see me</h2>
      <p>Access: <b id="access">${esc(f["pubsub#access_model"]?.[0] ?? "")}</b> · precision: <span id="coarse">${esc(f["geo#coarse_km"]?.[0] ?? "0")}</span> km grid · sharing: <span id="sharing">${esc(f.sharing?.[0] ?? "")}</span></p>
      <ul id="members">${list(f.members, "nobody listed")}</ul>
      <h3>Exact position</h3><ul id="exact">${list(f["geo#exact"], "only you")}</ul></section>
    <section id="pending"><h2>Asking to see me</h2>
      ${(f.pending ?? []).map((j) => `<div class="request" data-jid="${esc(j)}">${esc(j)} <button data-allow="true">Approve</button><button data-allow="false">Deny</button></div>`).join("") || `<p class="none">nobody</p>`}</section>
    <section><h2>Watching now</h2><table id="watching">${rows(r.watching, ["jid", "what", "precision", "temporary"])}</table></section>
    <section><h2>Looked in the last 24 h</h2><table id="looked">${rows(r.looked, ["jid", "when", "count"])}</table></section>
    <section id="actions"><button id="share-hour">Share for 1 hour</button> <button id="stop">Stop sharing</button> <button id="erase">Erase my data</button></section>`;
}

/** Shows the report and keeps it current after every action. */
export async function mountSharing(root: HTMLElement, api: SharingApi): Promise<void> {
  const refresh = async () => {
    renderReport(root, await api.report());
    root.dataset.ready = String(Number(root.dataset.ready ?? 0) + 1);
  };
  root.addEventListener("click", (e) => {
    const b = (e.target as HTMLElement).closest("button");
    if (!b) return;
    const request = b.closest<HTMLElement>(".request");
    const act = request ? api.answer(request.dataset.jid!, b.dataset.allow === "true")
      : b.id === "share-hour" ? api.shareFor(3600_000)
        : b.id === "stop" ? api.stopSharing()
          : b.id === "erase" && confirm("Erase your location history and who may see you?") ? api.erase()
            : undefined;
    if (act) void act.then(refresh, (err: Error) => { root.dataset.error = err.message; });
  });
  await refresh();
}
