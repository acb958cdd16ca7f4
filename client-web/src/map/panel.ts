// The side panel's list: search, status filter, sort, and a keyboard-navigable listbox that only creates DOM for
// the rows in view (thousands of publishers stay cheap). Renders only; rows and their order come from the model.
import type { PublisherState } from "../model/publisher.ts";
import type { PublisherStore } from "../model/store.ts";
import { displayName, listRows, type ListQuery, type SortKey } from "../model/list.ts";
import { deriveStatus, formatAge, formatSpeed, type Status } from "../model/status.ts";

const ROW_HEIGHT = 44;
const OVERSCAN = 6;
export const GLYPHS: Record<Status, string> = { online: "●", away: "◍", offline: "⊘", unknown: "◉" };

export interface PanelActions {
  select(jid: string | undefined): void;
  toggleFollow(jid: string): void;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class Panel {
  private rows: string[] = [];
  private active: string | undefined; // keyboard focus, by JID so it survives re-sorting
  private selected: string | undefined;
  private readonly query: ListQuery;
  private readonly statuses = new Set<Status>();
  private readonly list: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly count: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly store: PublisherStore,
    staleAfterMs: number,
    private readonly actions: PanelActions,
  ) {
    this.query = { text: "", statuses: this.statuses, sort: "name", staleAfterMs };
    root.innerHTML = `
      <div class="controls">
        <input id="search" type="search" placeholder="Search name or place" aria-label="Search publishers"
          autocomplete="off">
        <div class="filters" role="group" aria-label="Show statuses">
          ${(["online", "away", "offline", "unknown"] as Status[])
            .map(
              (s) =>
                `<label><input type="checkbox" data-status-filter="${s}"> ` +
                `<span class="glyph glyph-${s}" aria-hidden="true">${GLYPHS[s]}</span> ${s}</label>`,
            )
            .join("")}
        </div>
        <label>Sort <select id="sort" aria-label="Sort by">
          <option value="name">name</option><option value="status">status</option>
          <option value="age">newest fix</option><option value="speed">speed</option>
        </select></label>
      </div>
      <div id="count" class="count" aria-live="polite"></div>
      <div id="list" class="list" role="listbox" tabindex="0" aria-label="Publishers"><div class="spacer"></div></div>`;
    this.list = root.querySelector("#list")!;
    this.spacer = root.querySelector(".spacer")!;
    this.count = root.querySelector("#count")!;
    const search = root.querySelector<HTMLInputElement>("#search")!;
    search.addEventListener("input", () => {
      this.query.text = search.value.trim();
      this.render(Date.now());
    });
    root.querySelector<HTMLSelectElement>("#sort")!.addEventListener("change", (e) => {
      this.query.sort = (e.target as HTMLSelectElement).value as SortKey;
      this.render(Date.now());
    });
    for (const box of root.querySelectorAll<HTMLInputElement>("[data-status-filter]")) {
      box.addEventListener("change", () => {
        const s = box.dataset.statusFilter as Status;
        if (box.checked) this.statuses.add(s);
        else this.statuses.delete(s);
        this.render(Date.now());
      });
    }
    this.list.addEventListener("scroll", () => this.paint(Date.now()));
    this.list.addEventListener("click", (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>("[data-jid]");
      if (!row) return;
      this.active = row.dataset.jid;
      this.actions.select(row.dataset.jid);
    });
    this.list.addEventListener("keydown", (e) => this.onKey(e));
  }

  setSelected(jid: string | undefined): void {
    this.selected = jid;
    if (jid) this.active = jid;
    this.paint(Date.now());
  }

  /** Recomputes which rows are listed and in which order, then repaints the rows in view. */
  render(now: number): void {
    this.rows = listRows(this.lastOrder(), this.query, now);
    this.spacer.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    const n = this.rows.length;
    const what = this.query.text || this.query.statuses.size ? " match" : " on the map";
    this.count.textContent = `${n.toLocaleString("en")} publisher${n === 1 ? "" : "s"}${what}`;
    this.paint(now);
  }

  /**
   * Every publisher, the ones listed last time first and in that order. The sort (a stable merge sort in V8) then
   * finds the input almost sorted: thousands of rows cost about one collator comparison each instead of n log n,
   * which took tens of milliseconds, every 300 ms while publishers move. The result does not depend on the input order.
   */
  private lastOrder(): PublisherState[] {
    const all = this.store.publishers;
    const out: PublisherState[] = [];
    const taken = new Set<string>();
    for (const jid of this.rows) {
      const p = all.get(jid);
      if (p) {
        out.push(p);
        taken.add(jid);
      }
    }
    for (const p of all.values()) if (!taken.has(p.jid)) out.push(p);
    return out;
  }

  private paint(now: number): void {
    const top = this.list.scrollTop,
      height = this.list.clientHeight || 400;
    const from = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const to = Math.min(this.rows.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const html: string[] = [];
    for (let i = from; i < to; i++) html.push(this.rowHtml(this.rows[i], i, now));
    this.spacer.innerHTML = html.join("");
    // Positions set through the DOM, not a style attribute in the HTML: a Content-Security-Policy without
    // 'unsafe-inline' styles (prosody/nginx-map.conf) blocks those.
    for (const el of this.spacer.children as HTMLCollectionOf<HTMLElement>) el.style.top = `${el.dataset.top}px`;
    // only a row that is drawn: a publisher that stopped sharing since the rows were listed has none (ARIA 1.2:
    // aria-activedescendant names an element that exists)
    const ai = this.active ? this.rows.indexOf(this.active) : -1;
    if (ai >= from && ai < to && this.spacer.querySelector(`#row-${ai}`))
      this.list.setAttribute("aria-activedescendant", `row-${ai}`);
    else this.list.removeAttribute("aria-activedescendant");
  }

  private rowHtml(jid: string, i: number, now: number): string {
    const p = this.store.get(jid);
    if (!p?.fix) return "";
    const v = deriveStatus(p, now, this.query.staleAfterMs);
    const classes = [
      "row",
      `status-${v.status}`,
      v.stale ? "stale" : "",
      jid === this.active ? "active" : "",
      jid === this.selected ? "selected" : "",
    ].join(" ");
    return `<div role="option" id="row-${i}" class="${classes}" data-top="${i * ROW_HEIGHT}"
      data-jid="${escapeHtml(jid)}" data-status="${v.status}" data-stale="${v.stale}"
      aria-selected="${jid === this.selected}">
      <span class="glyph glyph-${v.status}" aria-hidden="true">${GLYPHS[v.status]}</span>
      <span class="name">${escapeHtml(displayName(jid))}</span>
      <span class="age" title="age of the last fix">${v.fixAge === undefined ? "" : formatAge(v.fixAge)}</span>
      <span class="st">${escapeHtml(v.text)}${v.stale ? ' <span class="badge">stale</span>' : ""}</span>
      <span class="speed">${escapeHtml(formatSpeed(p.fix.speed))}</span>
    </div>`;
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.rows.length) return;
    const page = Math.max(1, Math.floor(this.list.clientHeight / ROW_HEIGHT) - 1);
    let i = this.active ? this.rows.indexOf(this.active) : -1;
    switch (e.key) {
      case "ArrowDown":
        i = Math.min(this.rows.length - 1, i + 1);
        break;
      case "ArrowUp":
        i = Math.max(0, i - 1);
        break;
      case "PageDown":
        i = Math.min(this.rows.length - 1, i + page);
        break;
      case "PageUp":
        i = Math.max(0, i - page);
        break;
      case "Home":
        i = 0;
        break;
      case "End":
        i = this.rows.length - 1;
        break;
      case "Enter":
      case " ":
        if (this.active) this.actions.select(this.active);
        e.preventDefault();
        return;
      case "f":
      case "F":
        if (this.active) this.actions.toggleFollow(this.active);
        return;
      case "Escape":
        this.actions.select(undefined);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.active = this.rows[Math.max(0, i)];
    const top = Math.max(0, i) * ROW_HEIGHT;
    if (top < this.list.scrollTop) this.list.scrollTop = top;
    else if (top + ROW_HEIGHT > this.list.scrollTop + this.list.clientHeight)
      this.list.scrollTop = top + ROW_HEIGHT - this.list.clientHeight;
    this.paint(Date.now());
  }
}
