// The live map in a real headless Chromium against the real Prosody, the real component and real publishers.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../client-web/server.ts";
import type { Session } from "../../component/src/simulator/session.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { launchBrowser, openPage, screenshot } from "./support/browser.ts";
import { knownJids, login, mapConfig, markers, markersCreated, row, waitForMarkerAt, waitLive } from "./support/map.ts";
import { fix, publisher } from "./support/publishers.ts";

const PW = "secret";

let stack: Stack;
let web: WebServer;
let browser: Browser;
let alice: Session, bob: Session, carol: Session;
const pages: Page[] = [];
const pageErrors: Error[][] = [];

async function viewerPage(user = "viewer", password = PW): Promise<Page> {
  const opened = await openPage(browser, web.url);
  pages.push(opened.page);
  pageErrors.push(opened.errors);
  await login(opened.page, `${user}@localhost`, password);
  return opened.page;
}

beforeAll(async () => {
  browser = await launchBrowser(); // first: without Chromium nothing else is worth starting
  stack = await startStack();
  web = await startWebServer({ port: 0, config: mapConfig(stack) });
  for (const u of ["viewer", "viewer2", "alice", "bob", "carol"]) stack.prosody.register(u, PW);
  [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((u) => publisher(stack, u, PW)));
  await alice.publish(fix(52.52, 13.405, { accuracy: "800", bearing: "60", speed: "4.2", text: "Alexanderplatz" }));
  await bob.publish(fix(52.5, 13.35, { speed: "1.1" }));
  // carol shares with her whitelist only (nobody on it): no viewer may learn she exists.
  await carol.publish(fix(52.51, 13.38));
  await carol.configure("whitelist");
}, 90_000);

afterEach(() => {
  expect(pageErrors.flat().map((e) => e.message)).toEqual([]); // no uncaught error in any page
});

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => {});
  await browser?.close();
  for (const s of [alice, bob, carol]) await s?.logout();
  await web?.close();
  await stack?.stop();
});

describe("the live map", () => {
  let page: Page;

  it("lists the publishers and draws a marker for each", async () => {
    page = await viewerPage();
    await waitLive(page);
    await page.waitForSelector(row("alice@localhost", "online"));
    await page.waitForSelector(row("bob@localhost", "online"));
    const drawn = await markers(page);
    expect(drawn.find((m) => m.jid === "alice@localhost")).toMatchObject({
      lat: 52.52,
      lon: 13.405,
      status: "online",
      onMap: true,
    });
    expect(drawn.find((m) => m.jid === "bob@localhost")).toMatchObject({ lat: 52.5, lon: 13.35, onMap: true });
    expect(await page.textContent(row("alice@localhost"))).toMatch(/alice[\s\S]*online[\s\S]*15 km\/h/);
  });

  it("moves the marker of a publisher that moves, without recreating it", async () => {
    const created = await markersCreated(page);
    await alice.publish(fix(52.53, 13.41, { accuracy: "800", bearing: "90" }));
    await waitForMarkerAt(page, "alice@localhost", 52.53, 13.41);
    expect(await markersCreated(page)).toBe(created);
  });

  it("keeps a whitelist node invisible to a viewer who is not a member", async () => {
    await carol.publish(fix(52.515, 13.385)); // after the viewer subscribed: the notification must not reach it
    await alice.publish(fix(52.54, 13.42)); // processed after carol's: once it shows, carol's would have too
    await waitForMarkerAt(page, "alice@localhost", 52.54, 13.42);
    expect(await knownJids(page)).not.toContain("carol@localhost");
    expect(await page.$(row("carol@localhost"))).toBeNull();
  });

  it("opens the details, the trail and follow from the list", async () => {
    await page.click(row("alice@localhost"));
    await page.waitForSelector('#details[data-jid="alice@localhost"]');
    expect(await page.textContent('#details [data-field="publisher"]')).toBe("alice@localhost");
    expect(await page.textContent('#details [data-field="timestamp"]')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await page.waitForFunction("window.geoMap.view().trail >= 3"); // three fixes of alice in her node's history
    await page.click('#details [data-action="follow"]');
    expect(await page.getAttribute('#details [data-action="follow"]', "aria-pressed")).toBe("true");
    await page.click('#details [data-action="close"]');
    expect(await page.isHidden("#details")).toBe(true);
  });

  it("is keyboard navigable", async () => {
    await page.focus("#list");
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#details[data-jid="bob@localhost"]');
    await page.keyboard.press("Escape");
    expect(await page.isHidden("#details")).toBe(true);
  });

  it("filters the list by search text", async () => {
    await page.fill("#search", "ALI");
    await page.waitForFunction(() => document.querySelectorAll(".row").length === 1);
    expect(await page.getAttribute(".row", "data-jid")).toBe("alice@localhost");
    await page.fill("#search", "");
    await page.waitForFunction(() => document.querySelectorAll(".row").length === 2);
  });

  it("shows a publisher whose connection drops as offline within seconds", async () => {
    const before = Date.now();
    bob.drop(); // no unavailable, no stream close: the server notices the socket closing
    await page.waitForSelector(row("bob@localhost", "offline"), { timeout: 10_000 });
    expect(Date.now() - before).toBeLessThan(10_000);
    expect(await page.textContent(row("bob@localhost"))).toContain("last seen");
    expect((await markers(page)).find((m) => m.jid === "bob@localhost")).toMatchObject({
      status: "offline",
      onMap: true,
    });
    // On the map too: pointing at bob's marker tells when he was last seen; clicking it opens his details.
    const at = (await page.evaluate(`window.geoMap.pagePoint("bob@localhost")`)) as { x: number; y: number };
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector('.leaflet-tooltip:has-text("last seen")');
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector('#details[data-jid="bob@localhost"]');
    await page.waitForFunction("document.fonts.ready.then(() => true)");
    await screenshot(page, "map");
  });

  it("removes the marker of a publisher that stops sharing", async () => {
    await alice.publish({}); // empty <geoloc/>: XEP-0080 §4.1
    await page.waitForSelector(row("alice@localhost"), { state: "detached" });
    expect((await markers(page)).find((m) => m.jid === "alice@localhost")?.onMap ?? false).toBe(false);
    await alice.publish(fix(52.55, 13.43));
    await waitForMarkerAt(page, "alice@localhost", 52.55, 13.43);
  });

  it("reconnects after a dropped connection and catches up with what it missed", async () => {
    await page.evaluate("window.geoMap.drop()");
    await page.waitForSelector('#banner[data-phase="reconnecting"]', { timeout: 5000 });
    await alice.publish(fix(52.56, 13.44)); // while the viewer may be away: the fresh snapshot carries it
    await waitLive(page);
    await waitForMarkerAt(page, "alice@localhost", 52.56, 13.44);
  });

  it("shows the error when the password is wrong", async () => {
    const wrong = await viewerPage("viewer2", "not-the-password");
    await wrong.waitForSelector("#login-error:not([hidden])");
    expect(await wrong.textContent("#login-error")).toContain("not-authorized");
    expect(await wrong.getAttribute("#banner", "data-phase")).toBe("error");
  });
});
