// "My sharing" page: renders the report (render.ts) and wires each button to one SharingApi call (api.ts: the
// service's standard protocol only), then shows the report again. The outcome of each action is said in a status
// line (role=status), a failure in an alert; the keyboard focus comes back to the same button after a re-render.
import type { Report, SharingApi } from "./api.ts";
import { renderReport } from "./render.ts";

const ERASE_QUESTION =
  "Erase your location node, its history, who may see you and the record of who looked? This cannot be undone.";

const ABOUT = "what the geo service knows about your location and who sees it.";

export function mountSharing(el: HTMLElement, api: SharingApi): Promise<void> {
  el.innerHTML = `
    <main id="sharing" class="sharing-page" aria-labelledby="sharing-title">
      <h1 id="sharing-title">My sharing</h1>
      <p class="hint">Signed in as <b>${api.me.replace(/[&<>]/g, "")}</b>: ${ABOUT}</p>
      <p id="sharing-status" role="status"></p>
      <p id="sharing-error" class="error" role="alert" hidden></p>
      <div id="report" aria-busy="true"></div>
    </main>`;
  const root = el.querySelector<HTMLElement>("#sharing")!;
  const report = root.querySelector<HTMLElement>("#report")!;
  const status = root.querySelector<HTMLElement>("#sharing-status")!;
  const error = root.querySelector<HTMLElement>("#sharing-error")!;
  let last: Report | undefined;

  const refresh = async (focusKey?: string) => {
    report.setAttribute("aria-busy", "true");
    last = await api.report();
    renderReport(report, last);
    report.setAttribute("aria-busy", "false");
    root.dataset.ready = String(Number(root.dataset.ready ?? 0) + 1);
    const again = focusKey && report.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus();
    else if (focusKey) status.focus();
  };
  const run = (act: Promise<unknown>, done: string, key?: string) => {
    error.hidden = true;
    report.querySelectorAll("button").forEach((b) => {
      b.disabled = true;
    });
    void act
      .then(() => {
        status.textContent = done;
        return refresh(key);
      })
      .catch((err: Error) => {
        error.hidden = false;
        error.textContent = `That did not work: ${err.message || String(err)}`;
        root.dataset.error = err.message;
        return refresh(key).catch(() => {});
      });
  };
  status.tabIndex = -1;

  report.addEventListener("click", (e) => {
    const b = (e.target as HTMLElement).closest("button");
    if (!b || !last) return;
    const key = b.dataset.key;
    const jid = b.closest<HTMLElement>("[data-jid]")?.dataset.jid ?? "";
    if (b.dataset.allow) {
      const allow = b.dataset.allow === "true";
      run(api.answer(jid, allow), `${allow ? "Approved" : "Denied"} ${jid}.`, key);
    } else if (b.dataset.act === "exact" || b.dataset.act === "coarse") {
      const exact = new Set(last.fields["geo#exact"] ?? []);
      if (b.dataset.act === "exact") exact.add(jid);
      else exact.delete(jid);
      run(
        api.configure({ "geo#exact": [...exact] }),
        `${jid} now sees ${b.dataset.act === "exact" ? "your exact position" : "only the grid cell"}.`,
        b.dataset.act === "exact" ? `coarse:${jid}` : `exact:${jid}`,
      );
    } else if (b.dataset.act === "revoke") {
      run(api.setAffiliation(jid, "none"), `${jid} can no longer see you.`);
    } else if (b.id === "share-hour") {
      run(api.shareFor(3600_000), "You share for one hour from now.", key);
    } else if (b.id === "stop") {
      run(api.stopSharing(), "Sharing stopped: your viewers were told.", key);
    } else if (b.id === "erase" && confirm(ERASE_QUESTION)) {
      run(api.erase(), "Your data is erased.");
    }
  });
  return refresh().catch((err: Error) => {
    error.hidden = false;
    error.textContent = `The service did not send your report: ${err.message || String(err)}`;
    root.dataset.error = err.message;
  });
}
