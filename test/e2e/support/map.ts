// Drives the live map in a page: open it for a stack, log in, read what it shows.
import type { Page } from "playwright-core";

/** The config.json for a map in front of a test stack (Prosody's WebSocket on another port than the page's). */
export function mapConfig(
  t: { prosody: { websocketUrl: string; domain: string }; componentJid: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { websocket: t.prosody.websocketUrl, service: t.componentJid, domain: t.prosody.domain, ...extra };
}

export async function login(page: Page, jid: string, password: string): Promise<void> {
  await page.waitForSelector("#login");
  await page.fill("[name=jid]", jid);
  await page.fill("[name=password]", password);
  await page.click("button[type=submit]");
}

export async function waitLive(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForSelector('#banner[data-phase="live"]', { timeout });
}

export const row = (jid: string, status?: string) =>
  `.row[data-jid="${jid}"]${status ? `[data-status="${status}"]` : ""}`;

export interface MarkerInfo {
  jid: string;
  lat: number;
  lon: number;
  status: string;
  stale: boolean;
  onMap: boolean;
}

/** What the map draws (the canvas has no element per marker; the page exposes it as window.geoMap). */
export async function markers(page: Page): Promise<MarkerInfo[]> {
  return page.evaluate("window.geoMap.view()?.markers ?? []") as Promise<MarkerInfo[]>;
}

export async function markersCreated(page: Page): Promise<number> {
  return page.evaluate("window.geoMap.view()?.created ?? 0") as Promise<number>;
}

/** Waits until the marker of `jid` is drawn at lat/lon (to 1e-6). */
export async function waitForMarkerAt(
  page: Page,
  jid: string,
  lat: number,
  lon: number,
  timeout = 10_000,
): Promise<void> {
  await page.waitForFunction(
    ([j, la, lo]) => {
      const m = (window as unknown as { geoMap: { view(): { markers: MarkerInfo[] } | undefined } }).geoMap
        .view()
        ?.markers.find((x) => x.jid === j);
      return !!m && m.onMap && Math.abs(m.lat - (la as number)) < 1e-6 && Math.abs(m.lon - (lo as number)) < 1e-6;
    },
    [jid, lat, lon] as const,
    { timeout },
  );
}

/** JIDs the page knows anything about (map, list or model). */
export async function knownJids(page: Page): Promise<string[]> {
  return page.evaluate("window.geoMap.publishers().map((p) => p.jid)") as Promise<string[]>;
}
