// The logged-in page's layout: the side panel (list and details) next to the map and its empty state.

export interface LayoutParts {
  panel: HTMLElement;
  details: HTMLElement;
  map: HTMLElement;
  empty: HTMLElement;
}

/** Fills `root` with the layout and returns its parts. */
export function renderLayout(root: HTMLElement): LayoutParts {
  root.innerHTML = `
      <div class="layout">
        <aside class="side" aria-label="Publishers">
          <div id="panel" class="panel"></div>
          <section id="details" class="details" aria-label="Publisher details"></section>
        </aside>
        <div class="map-wrap">
          <div id="map" class="map" role="region" aria-label="Map of publishers"></div>
          <section id="empty" class="empty" aria-live="polite"></section>
        </div>
      </div>`;
  const part = (id: string) => root.querySelector<HTMLElement>(`#${id}`)!;
  return { panel: part("panel"), details: part("details"), map: part("map"), empty: part("empty") };
}
