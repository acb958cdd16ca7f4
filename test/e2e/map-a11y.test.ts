// Accessibility of the map in a real Chromium, from the build: an axe-core audit of the login form and of the map
// (clusters, list, details) with zero serious or critical violations, and every marker, cluster and list entry
// reachable and selectable with the keyboard alone.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../client-web/server.ts";
import type { Session } from "../../component/src/simulator/session.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { audit, summary } from "./support/axe.ts";
import { launchBrowser, openPage, screenshot } from "./support/browser.ts";
import { mapConfig, row, waitLive } from "./support/map.ts";
import { fix, publisher } from "./support/publishers.ts";

let stack: Stack;
let web: WebServer;
let browser: Browser;
let page: Page;
let errors: Error[];
const sessions: Session[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack();
  for (const u of ["viewer", "alice", "bob", "carol", "dave"]) stack.prosody.register(u, "pw");
  // Three close together in Berlin (one cluster at country zoom), one in Hamburg.
  const where: [string, number, number][] = [
    ["alice", 52.52, 13.405],
    ["bob", 52.51, 13.39],
    ["carol", 52.53, 13.42],
    ["dave", 53.55, 9.99],
  ];
  for (const [u, lat, lon] of where) {
    const s = await publisher(stack, u, "pw");
    sessions.push(s);
    await s.publish(fix(lat, lon));
  }
  // the list and markers hold every publisher whatever the view: the keyboard and the audit are checked here, the
  // area that follows the view in map-subscribe.test.ts (an area makes a publisher come and go as the view moves)
  web = await startWebServer({ port: 0, config: mapConfig(stack, { followView: false }) });
  ({ page, errors } = await openPage(browser, web.url));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  for (const s of sessions) await s.logout();
  await web?.close();
  await stack?.stop();
});

describe("accessibility", () => {
  it("has no serious violations on the login form", async () => {
    await page.waitForSelector("#login");
    expect(summary(await audit(page))).toEqual([]);
  });

  it("logs in with the keyboard alone", async () => {
    await page.focus("[name=jid]");
    await page.keyboard.type("viewer@localhost");
    await page.keyboard.press("Tab");
    await page.keyboard.type("pw");
    await page.keyboard.press("Enter");
    await waitLive(page);
    await page.waitForSelector(row("dave@localhost"));
  });

  const keyboardAudit =
    "reaches and selects a list entry with the keyboard, and the page with details open passes the audit";
  it(keyboardAudit, async () => {
    await page.waitForSelector(row("dave@localhost"));
    await page.focus("#search");
    await page.keyboard.press("Tab"); // on to the status filters, then the list
    await page.focus("#list");
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#details[data-jid="dave@localhost"]');
    expect(summary(await audit(page))).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it("clusters overlapping markers, telling how many are online, and opens one with the keyboard", async () => {
    await page.evaluate("window.geoMap.setView(53, 11.5, 7)");
    const cluster = await page.waitForSelector('.cluster[data-count="3"]');
    expect(await cluster.getAttribute("data-online")).toBe("3");
    expect(await cluster.textContent()).toBe("3 publishers here, 3 online: zoom in"); // its accessible name
    expect(await cluster.getAttribute("role")).toBe("button");
    const clustered = await page.evaluate(
      "window.geoMap.view().markers.filter((m) => m.clustered).map((m) => m.jid).sort()",
    );
    expect(clustered).toEqual(["alice@localhost", "bob@localhost", "carol@localhost"]);
    await screenshot(page, "map-clusters");
    expect(summary(await audit(page))).toEqual([]);
    await cluster.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      "window.geoMap.view().zoom > 7 && window.geoMap.view().clusters.length === 0",
      undefined,
      { timeout: 10_000 },
    );
  });

  it("reaches and selects every marker in view with the keyboard", async () => {
    await page.focus("#marker-keys");
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      seen.add((await page.getAttribute("#marker-current", "data-jid")) ?? "");
      await page.keyboard.press("ArrowRight");
    }
    expect([...seen].sort()).toEqual(["alice@localhost", "bob@localhost", "carol@localhost"]);
    const jid = await page.getAttribute("#marker-current", "data-jid");
    await page.waitForSelector(".leaflet-tooltip"); // shows which marker has the focus
    await page.keyboard.press("Enter");
    await page.waitForSelector(`#details[data-jid="${jid}"]`);
  });
});
