// Keyboard access to the markers on the map (they are pixels on a canvas, not elements): a listbox control on the
// map whose one option is the marker in focus. Arrow keys step through the markers in view (west to east, then
// north to south), Home/End jump, Enter or Space selects; the marker's tooltip shows which one it is. Clusters are
// buttons of their own (clusters.ts). The side panel's list reaches every publisher, in view or not.
import L from "leaflet";
import { displayName } from "../model/list.ts";
import type { MarkerInfo } from "./markers.ts";

export interface KeyboardMarkers {
  /** the markers in view now, in reading order */
  inView(): { jid: string; label: string }[];
  point(jid: string | undefined): void;
  select(jid: string): void;
}

/** The markers in the map's view in reading order (west to east, then north to south), with their labels. */
export function markersInView(map: L.Map, markers: MarkerInfo[]): { jid: string; label: string }[] {
  const b = map.getBounds();
  return markers
    .filter((m) => m.onMap && b.contains([m.lat, m.lon]))
    .sort((a, c) => a.lon - c.lon || c.lat - a.lat)
    .map((m) => ({ jid: m.jid, label: `${displayName(m.jid)}, ${m.status}${m.stale ? ", stale" : ""}` }));
}

export function addMarkerKeys(map: L.Map, k: KeyboardMarkers): L.Control {
  const control = new L.Control({ position: "bottomleft" });
  control.onAdd = () => {
    const box = L.DomUtil.create("div", "marker-keys leaflet-bar");
    box.innerHTML = `<div id="marker-keys" role="listbox" tabindex="0"
      aria-label="Markers in view: arrow keys move, Enter selects">
      <div role="option" id="marker-current" aria-selected="false">Markers: focus here, then arrow keys</div></div>`;
    L.DomEvent.disableClickPropagation(box);
    const list = box.querySelector<HTMLElement>("#marker-keys")!;
    const option = box.querySelector<HTMLElement>("#marker-current")!;
    let current: string | undefined;
    const show = (jid: string | undefined, items: { jid: string; label: string }[]) => {
      current = jid;
      const i = items.findIndex((m) => m.jid === jid);
      option.textContent = jid
        ? `${items[i].label} (${i + 1} of ${items.length})`
        : items.length
          ? `${items.length} markers in view: arrow keys`
          : "No markers in view";
      option.dataset.jid = jid ?? "";
      list.setAttribute("aria-activedescendant", "marker-current");
      k.point(jid);
    };
    list.addEventListener("focus", () => {
      const items = k.inView();
      show(items.find((m) => m.jid === current)?.jid ?? items[0]?.jid, items);
    });
    list.addEventListener("blur", () => k.point(undefined));
    list.addEventListener("keydown", (e) => {
      const items = k.inView();
      if (!items.length) return;
      let i = Math.max(
        0,
        items.findIndex((m) => m.jid === current),
      );
      switch (e.key) {
        case "ArrowRight":
        case "ArrowDown":
          i = (i + 1) % items.length;
          break;
        case "ArrowLeft":
        case "ArrowUp":
          i = (i - 1 + items.length) % items.length;
          break;
        case "Home":
          i = 0;
          break;
        case "End":
          i = items.length - 1;
          break;
        case "Enter":
        case " ":
          if (current) k.select(current);
          e.preventDefault();
          return;
        default:
          return;
      }
      e.preventDefault();
      e.stopPropagation(); // not Leaflet's keyboard panning
      show(items[i].jid, items);
    });
    return box;
  };
  return control.addTo(map);
}
