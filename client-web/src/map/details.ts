// The details of the selected publisher: every XEP-0080 field it sent, the timestamps and its JID. Renders only.
import { GEOLOC_FIELD_NAMES } from "../../../component/src/core/geoloc.ts";
import type { PublisherState } from "../model/publisher.ts";
import { ago, deriveStatus, formatSpeed } from "../model/status.ts";
import { displayName } from "../model/list.ts";
import { GLYPHS } from "./panel.ts";

export interface DetailsActions {
  close(): void;
  toggleFollow(): void;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class Details {
  private jid: string | undefined;
  private body = "";

  constructor(
    private readonly el: HTMLElement,
    actions: DetailsActions,
  ) {
    el.hidden = true;
    el.addEventListener("click", (e) => {
      const action = (e.target as HTMLElement).closest<HTMLElement>("[data-action]")?.dataset.action;
      if (action === "close") actions.close();
      if (action === "follow") actions.toggleFollow();
    });
  }

  render(
    p: PublisherState | undefined,
    now: number,
    following: boolean,
    staleAfterMs: number,
    trailPoints: number,
  ): void {
    if (!p) {
      this.el.hidden = true;
      this.el.removeAttribute("data-jid");
      this.el.innerHTML = "";
      this.jid = undefined;
      this.body = "";
      return;
    }
    const v = deriveStatus(p, now, staleAfterMs);
    if (this.jid !== p.jid) {
      // Built once per selection, so the buttons keep keyboard focus while the fields below update every second.
      this.jid = p.jid;
      this.body = "";
      this.el.hidden = false;
      this.el.dataset.jid = p.jid;
      this.el.innerHTML = `
        <header>
          <h2><span class="glyph" aria-hidden="true"></span> ${esc(displayName(p.jid))}</h2>
          <button type="button" data-action="follow" aria-pressed="false">Follow</button>
          <button type="button" data-action="close" aria-label="Close details">✕</button>
        </header>
        <dl></dl>`;
    }
    const glyph = this.el.querySelector<HTMLElement>(".glyph")!;
    glyph.className = `glyph glyph-${v.status}`;
    glyph.textContent = GLYPHS[v.status];
    const follow = this.el.querySelector<HTMLElement>('[data-action="follow"]')!;
    follow.setAttribute("aria-pressed", String(following));
    follow.textContent = following ? "Following" : "Follow";
    const body = fields(p, now, v.text + (v.stale ? " (no fix for a while: stale)" : ""), trailPoints)
      .map(([k, val]) => `<dt>${esc(k)}</dt><dd data-field="${esc(k)}">${esc(val)}</dd>`)
      .join("");
    if (body !== this.body) {
      this.body = body;
      this.el.querySelector("dl")!.innerHTML = body;
    }
  }
}

function fields(p: PublisherState, now: number, status: string, trailPoints: number): [string, string][] {
  const rows: [string, string][] = [
    ["publisher", p.jid],
    ["status", status],
  ];
  if (p.presence && p.presence.since > 0)
    rows.push(["status since", `${new Date(p.presence.since).toISOString()} (${ago(now - p.presence.since)})`]);
  if (p.fix) {
    rows.push(["last fix", `${new Date(p.fix.time).toISOString()} (${ago(now - p.fix.time)})`]);
    if (p.fix.speed !== undefined) rows.push(["speed (km/h)", formatSpeed(p.fix.speed)]);
    for (const f of GEOLOC_FIELD_NAMES) {
      const value = p.fix.geoloc[f];
      if (value !== undefined) rows.push([f, value]);
    }
    if (p.fix.geoloc.lang) rows.push(["xml:lang", p.fix.geoloc.lang]);
    rows.push(["item id", p.fix.itemId]);
  } else {
    rows.push(["location", p.stopped ? "stopped sharing" : "none"]);
  }
  rows.push(["trail", `${trailPoints} recent position${trailPoints === 1 ? "" : "s"}`]);
  return rows;
}
