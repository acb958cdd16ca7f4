// The basemaps in a real Chromium, from the build: the offline default (Natural Earth at three scales, lakes, place
// names from the bundled gazetteer by population as the zoom grows) and a self-hosted .pmtiles archive that the test
// writes itself (test/support/pmtiles.ts), drawn by protomaps-leaflet from byte ranges of the static server.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../client-web/server.ts";
import type { Session } from "../../component/src/simulator/session.ts";
import { writePmtiles } from "../support/pmtiles.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { launchBrowser, openPage, screenshot } from "./support/browser.ts";
import { login, mapConfig, waitLive } from "./support/map.ts";
import { fix, publisher } from "./support/publishers.ts";

let stack: Stack;
let browser: Browser;
let alice: Session;
const servers: WebServer[] = [];
const errors: Error[] = [];

async function mapPage(web: WebServer): Promise<Page> {
  const opened = await openPage(browser, web.url);
  opened.errors.length = 0;
  opened.page.on("pageerror", (e) => errors.push(e));
  await login(opened.page, "viewer@localhost", "pw");
  await waitLive(opened.page);
  await opened.page.waitForFunction("window.geoMap.view()?.markers.length >= 1");
  return opened.page;
}

async function viewAt(page: Page, lat: number, lon: number, zoom: number): Promise<void> {
  await page.evaluate(
    ([la, lo, z]) =>
      (window as unknown as { geoMap: { setView(a: number, b: number, c: number): void } }).geoMap.setView(la, lo, z),
    [lat, lon, zoom],
  );
}

type Debug = { places: string[]; scale?: string; zoom: number };
const debug = (page: Page) =>
  page.evaluate(
    "(() => { const v = window.geoMap.view(); return { places: [...v.places], scale: v.scale, zoom: v.zoom }; })()",
  ) as Promise<Debug>;

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack();
  for (const u of ["viewer", "alice"]) stack.prosody.register(u, "pw");
  alice = await publisher(stack, "alice", "pw");
  await alice.publish(fix(52.52, 13.405));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await alice?.logout();
  for (const s of servers) await s.close();
  await stack?.stop();
  expect(errors.map((e) => e.message)).toEqual([]);
});

describe("the offline basemap", () => {
  it("orients at world, country and city zoom: finer coasts and more place names as the zoom grows", async () => {
    const web = await startWebServer({ port: 0, config: mapConfig(stack) });
    servers.push(web);
    const page = await mapPage(web);
    await viewAt(page, 50, 10, 3);
    await page.waitForFunction(
      "(() => { const v = window.geoMap.view(); return v.scale === '110m' && v.places.includes('Berlin'); })()",
    );
    expect((await debug(page)).places).not.toContain("Hamburg"); // too small for a world view
    await viewAt(page, 52, 12, 6);
    await page.waitForFunction(
      "(() => { const v = window.geoMap.view(); " +
        "return v.scale === '50m' && v.places.includes('Hamburg') && v.lakes.includes('world.json'); })()",
    );
    expect((await debug(page)).places).not.toContain("Kreuzberg");
    await viewAt(page, 52.51, 13.4, 12);
    // Berlin's lakes come from its 10° cell (rows from 90°S, columns from 180°W): row 14, column 19.
    await page.waitForFunction(
      "(() => { const v = window.geoMap.view(); return v.scale === '10m' && v.places.includes('Kreuzberg') && " +
        "v.places.includes('Mitte') && v.lakes.join() === '14_19.json'; })()",
      undefined,
      { timeout: 20_000 },
    );
    const shown = (await debug(page)).places;
    expect(shown.length).toBeGreaterThan(10); // a city's districts
    expect(shown.length).toBeLessThanOrEqual(160);
    await screenshot(page, "basemap-offline-berlin");
    await viewAt(page, 52.44, 13.62, 11); // the Müggelsee, south-east of Berlin
    await page.waitForFunction("window.geoMap.view().lakes.includes('14_19.json')");
    await screenshot(page, "basemap-offline-lakes");
    await page.close();
  });
});

describe("a self-hosted PMTiles basemap", () => {
  it("draws the archive at several zooms from byte ranges of the static server", async () => {
    const land = JSON.parse(
      readFileSync(fileURLToPath(new URL("../../node_modules/world-atlas/land-50m.json", import.meta.url)), "utf8"),
    ) as Topology<{ land: GeometryCollection }>;
    const earth = feature(land, land.objects.land) as unknown as GeoJSON.FeatureCollection;
    const { archive, tiles } = writePmtiles({ layers: { earth }, minZoom: 0, maxZoom: 8, bounds: [5, 45, 20, 56] });
    expect(tiles).toBeGreaterThan(50);
    const web = await startWebServer({
      port: 0,
      config: mapConfig(stack, { basemap: { type: "pmtiles", url: "basemap.pmtiles", attribution: "test archive" } }),
      files: { "/basemap.pmtiles": archive },
    });
    servers.push(web);
    const ranges: string[] = [];
    const page = await mapPage(web);
    page.on("request", (r) => {
      if (r.url().endsWith("/basemap.pmtiles")) ranges.push(r.headers().range ?? "whole file");
    });
    for (const zoom of [4, 6, 8]) {
      await viewAt(page, 54, 15, zoom);
      // A land pixel (near Berlin) and a sea pixel (the Baltic) on protomaps-leaflet's tile canvases.
      const colours = await page.waitForFunction(
        () => {
          const g = (window as unknown as { geoMap: { pixelAt(lat: number, lon: number): number[] | undefined } })
            .geoMap;
          const a = g.pixelAt(52.52, 13.4),
            b = g.pixelAt(55.5, 17);
          return a && b && a[3] === 255 && b[3] === 255 && a.join() !== b.join() ? [a, b] : false;
        },
        undefined,
        { timeout: 15_000 },
      );
      expect(await colours.jsonValue()).toBeTruthy();
    }
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.every((r) => /^bytes=\d+-\d+$/.test(r))).toBe(true); // never the whole file
    expect(await page.textContent(".leaflet-control-attribution")).toContain("test archive");
    await screenshot(page, "basemap-pmtiles");
    await page.close();
  });
});
