// What the map view needs from the page (MapView's dependencies) and what it tells tests about itself.
import type { HashView } from "../app/hash.ts";
import type { Fix } from "../model/publisher.ts";
import type { MarkerInfo } from "./markers.ts";

export interface ViewDeps {
  /** the selected publisher's history (items on its own node), newest `max` */
  history(jid: string, max: number): Promise<Fix[]>;
  /** the view as the URL hash holds it: on every pan, zoom and selection */
  viewChanged?(v: HashView): void;
  /** the viewer's bare JID (for the empty state's advice) */
  viewer?: string;
}

/** What the view shows, for tests and debugging. */
export interface ViewDebug {
  markers: MarkerInfo[];
  created: number;
  selected?: string;
  following: boolean;
  trail: number;
  redraws: number;
  places: string[];
  clusters: { count: number; online: number }[];
  lakes: string[];
  scale?: string;
  zoom: number;
}
