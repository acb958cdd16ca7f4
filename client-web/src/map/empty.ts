// The empty state: once the first snapshot is in and nobody shares a location with this viewer, say so and how to
// start (instead of an empty map that looks broken). Renders only.
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function emptyStateHtml(service: string, viewer: string): string {
  return `
    <h2>Nobody is sharing their location with you yet</h2>
    <p>How to start:</p>
    <ul>
      <li>Ask someone to share: their XMPP client publishes its location (XEP-0080) to <code>${esc(service)}</code>,
        or to their own account with <code>${esc(service)}</code> added as a contact.</li>
      <li>If they share with a whitelist only, they add <code>${esc(viewer)}</code> to it.</li>
      <li>To try it out, the operator can run simulated publishers:
        <code>npm run simulate -- --service ${esc(service)}</code>.</li>
    </ul>
    <p>This page updates by itself as soon as someone shares.</p>`;
}

export class EmptyState {
  private shown = false;

  constructor(
    private readonly el: HTMLElement,
    service: string,
    viewer: string,
  ) {
    el.hidden = true;
    el.innerHTML = emptyStateHtml(service, viewer);
  }

  /** `loaded`: the first snapshot is complete; `count`: publishers on the map. */
  update(loaded: boolean, count: number): void {
    const show = loaded && count === 0;
    if (show === this.shown) return;
    this.shown = show;
    this.el.hidden = !show;
  }
}
