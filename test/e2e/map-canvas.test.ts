// The markers' canvas itself (client-web/src/map/publisher-canvas.ts draws every marker into one pixel buffer):
// what is on screen is read back from the canvas, not from the page's model.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../client-web/server.ts";
import type { Session } from "../../component/src/simulator/session.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { launchBrowser, openPage } from "./support/browser.ts";
import { login, mapConfig, waitForMarkerAt, waitLive } from "./support/map.ts";
import { fix, publisher } from "./support/publishers.ts";

const ONLINE_RGB = [0x1a, 0x96, 0x41]; // STATUS_COLOURS.online: the centre of an online marker is solid

let stack: Stack;
let web: WebServer;
let browser: Browser;
let page: Page;
let errors: Error[];
let alice: Session;

/** The colour (RGBA) the markers' canvas holds under a page point. */
async function pixelAt(pt: { x: number; y: number }): Promise<number[]> {
  return page.evaluate(`(() => {
    const c = document.querySelector(".leaflet-publishers-pane canvas:last-of-type");
    const r = c.getBoundingClientRect(), m = c.width / r.width;
    const x = Math.floor((${pt.x} - r.left) * m), y = Math.floor((${pt.y} - r.top) * m);
    return [...c.getContext("2d").getImageData(x, y, 1, 1).data];
  })()`) as Promise<number[]>;
}

async function pagePoint(jid: string): Promise<{ x: number; y: number }> {
  return page.evaluate(`window.geoMap.pagePoint(${JSON.stringify(jid)})`) as Promise<{ x: number; y: number }>;
}

/** Waits until the canvas shows `rgba` (alpha checked only when given) under `pt`. */
async function waitForPixel(pt: { x: number; y: number }, want: number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  let got: number[] = [];
  while (Date.now() < deadline) {
    got = await pixelAt(pt);
    if (want.every((v, i) => Math.abs(got[i] - v) <= 2)) return;
    await page.evaluate("new Promise((r) => requestAnimationFrame(r))"); // the next frame may bring the next picture
  }
  expect(got.slice(0, want.length)).toEqual(want);
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack();
  web = await startWebServer({ port: 0, config: mapConfig(stack) });
  for (const u of ["viewer", "alice"]) stack.prosody.register(u, "pw");
  alice = await publisher(stack, "alice", "pw");
  await alice.publish(fix(52.52, 13.405));
  ({ page, errors } = await openPage(browser, web.url));
  await login(page, "viewer@localhost", "pw");
  await waitLive(page);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await alice?.logout();
  await web?.close();
  await stack?.stop();
});

describe("the markers' canvas", () => {
  it("draws a marker where its publisher is, in its status colour", async () => {
    await waitForMarkerAt(page, "alice@localhost", 52.52, 13.405);
    await page.waitForFunction(
      `window.geoMap.view().markers.find((m) => m.jid === "alice@localhost")?.status === "online"`,
    );
    await waitForPixel(await pagePoint("alice@localhost"), [...ONLINE_RGB, 255]);
  });

  it("moves the drawn marker: the new place shows it, the old place is cleared", async () => {
    const before = await pagePoint("alice@localhost");
    await alice.publish(fix(52.525, 13.413));
    await waitForMarkerAt(page, "alice@localhost", 52.525, 13.413);
    const after = await pagePoint("alice@localhost");
    expect(Math.hypot(after.x - before.x, after.y - before.y)).toBeGreaterThan(20); // far enough apart not to overlap
    await waitForPixel(after, [...ONLINE_RGB, 255]);
    await waitForPixel(before, [0, 0, 0, 0]);
    expect(errors).toEqual([]);
  });
});
