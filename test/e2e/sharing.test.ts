// "My sharing" (client-web/sharing.html) from the static build (npm run map:build's output served by a plain static
// server, under the Content-Security-Policy of prosody/nginx-map.conf) in a real headless Chromium against the real
// Prosody and component: reached from the map's top bar, logged in through the page (the map's form and saved
// session), the publisher sees who may see them and how precisely, who is watching and who looked, approves a
// request with the keyboard, gives a viewer the exact position, shares for an hour, stops sharing and erases; axe-core
// finds no serious violation; "remember me" on the map logs the sharing page in too, and its logout forgets it.
import { xml } from "@xmpp/client";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMap } from "../../client-web/build.ts";
import { geoloc, isEvent, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { serveStatic, type StaticServer } from "../support/static-server.ts";
import { audit, summary } from "./support/axe.ts";
import { launchBrowser, screenshot } from "./support/browser.ts";
import { mapConfig, waitLive } from "./support/map.ts";

let stack: Stack;
let browser: Browser;
let site: StaticServer;
let dir: string;
let context: BrowserContext;
let page: Page;
let olive: TestClient, max: TestClient, vik: TestClient, wes: TestClient;
const errors: string[] = [];
const cspViolations: string[] = [];

/** The deployment's policy (prosody/nginx-map.conf), with the test Prosody's WebSocket origin added to connect-src. */
function policy(websocket: string): string {
  const conf = readFileSync(fileURLToPath(new URL("../../prosody/nginx-map.conf", import.meta.url)), "utf8");
  // nginx builds it in $csp: `set $csp "..."`, then `set $csp "${csp}..."` appending the rest
  const csp = [...conf.matchAll(/set \$csp "(?:\$\{csp\})?([^"]+)";/g)].map((m) => m[1]).join("");
  expect(csp).toContain("script-src 'self'");
  return csp.replace("connect-src 'self'", `connect-src 'self' ${new URL(websocket).origin.replace(/^http/, "ws")}`);
}

async function fresh(url: string): Promise<{ context: BrowserContext; page: Page }> {
  const c = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await c.newPage();
  p.on("pageerror", (e) => errors.push(e.message));
  p.on("dialog", (d) => void d.accept());
  // Every CSP violation on every page this tab loads (a blocked inline script or style, a foreign origin).
  await p.exposeFunction("cspViolation", (v: string) => cspViolations.push(`${p.url()}: ${v}`));
  await p.addInitScript(() => {
    document.addEventListener(
      "securitypolicyviolation",
      (e) =>
        void (window as unknown as { cspViolation(v: string): void }).cspViolation(
          `${e.violatedDirective} ${e.blockedURI}`,
        ),
    );
  });
  await p.goto(url);
  return { context: c, page: p };
}

const ready = (n: number) => page.waitForSelector(`#sharing[data-ready="${n}"]`);
const saved = (p: Page) =>
  p.evaluate(() => JSON.parse(localStorage.getItem("geo-map-login") ?? "{}")) as Promise<Record<string, string>>;
/** The text of the table row of `jid` in table `#id`. */
const rowText = (id: string, jid: string) =>
  page.$$eval(`#${id} tbody tr`, (trs, j) => trs.map((t) => t.textContent ?? "").find((t) => t.includes(j)) ?? "", jid);

async function signIn(p: Page, jid: string, password: string, remember = false): Promise<void> {
  await p.waitForSelector("#login");
  await p.fill("[name=jid]", jid);
  await p.fill("[name=password]", password);
  if (remember) await p.check("[name=remember]");
  await p.click("#login button[type=submit]");
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack();
  dir = mkdtempSync(join(tmpdir(), "geo-sharing-site-"));
  await buildMap({ outDir: dir, config: mapConfig(stack) });
  site = await serveStatic(dir, { "content-security-policy": policy(stack.prosody.websocketUrl) });
  olive = await stack.user("olive");
  max = await stack.viewer("max");
  vik = await stack.viewer("vik");
  wes = await stack.viewer("wes");
  await olive.iq("set", publishEl(geoloc({ lat: 43.3, lon: 5.37 }), undefined, "o1"));
  await olive.iq(
    "set",
    owner(
      xml(
        "configure",
        { node: "olive@localhost" },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "pubsub#access_model" }, xml("value", {}, "authorize")),
          xml("field", { var: "geo#coarse_km" }, xml("value", {}, "5")),
          xml("field", { var: "geo#exact" }, xml("value", {}, "max@localhost")),
        ),
      ),
    ),
  );
  await olive.iq(
    "set",
    owner(
      xml(
        "affiliations",
        { node: "olive@localhost" },
        xml("affiliation", { jid: "max@localhost", affiliation: "member" }),
      ),
    ),
  );
  await max.iq("set", pubsub(xml("subscribe", { node: "locations", jid: max.jid })));
  await max.iq("get", pubsub(xml("items", { node: "olive@localhost" })));
  await vik.iq("set", pubsub(xml("subscribe", { node: "olive@localhost", jid: vik.jid }))); // pending
  await wes.iq("set", pubsub(xml("subscribe", { node: "olive@localhost", jid: wes.jid }))); // pending, to be denied
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("my sharing page, from the static build", () => {
  it("is linked from the map's top bar and, without remember me, asks for the password again", async () => {
    ({ context, page } = await fresh(site.url));
    await signIn(page, "olive", "pw"); // on the map
    await waitLive(page);
    expect(await page.getAttribute('#nav a[aria-current="page"]', "href")).toBe("./");
    await page.click('#nav a[href="sharing.html"]');
    await page.waitForURL(/sharing\.html$/);
    await page.waitForSelector("#login");
    expect(await page.textContent("#login-title")).toBe("geo presence: my sharing");
    expect(await page.inputValue("[name=websocket]")).toBe(stack.prosody.websocketUrl); // config.json, as the map
    expect(await page.inputValue("[name=jid]")).toBe("olive@localhost"); // the map's saved login
    expect(await page.inputValue("[name=password]")).toBe("");
    expect(summary(await audit(page))).toEqual([]);
    await signIn(page, "olive@localhost", "wrong");
    await page.waitForSelector("#login-error:not([hidden])");
    expect(await page.textContent("#login-error")).toMatch(/^Wrong JID or password/);
    await signIn(page, "olive", "pw"); // a bare name: config.json's domain completes it
    await ready(1);
    expect(page.url()).not.toMatch(/password|pw/);
    expect(await page.textContent("#who")).toBe("olive@localhost");
    // no password kept
    expect(await saved(page)).toEqual({ websocket: stack.prosody.websocketUrl, jid: "olive@localhost" });
  });

  it("shows who may see me and how precisely, who is watching, who looked, and who asks", async () => {
    expect(await page.textContent("#access")).toBe("authorize");
    expect(await page.textContent("#coarse")).toContain("5 km grid cell");
    expect(await page.getAttribute('#members li[data-jid="max@localhost"]', "data-precision")).toBe("exact");
    expect(await page.textContent('#members li[data-jid="max@localhost"] .precision')).toBe("sees your exact position");
    expect(await page.textContent("#exact")).toContain("max@localhost");
    expect(await rowText("watching", max.jid)).toContain("subscribed to locations");
    // temporary: max sent presence
    expect(await rowText("watching", max.jid)).toBe(`${max.jid}subscribed to locationsexacteverywhereyes`);
    expect(await rowText("looked", "max@localhost")).toMatch(/max@localhost.*\d{4}-\d\d-\d\dT.*1$/);
    expect(await page.textContent("#pending")).toContain(vik.jid);
    expect(await page.textContent("#pending")).toContain(wes.jid);
    expect(await page.textContent("#h-pending")).toBe("Asking to see me (2)");
    expect(await page.textContent("#share-state")).toBe("no end set");
    await screenshot(page, "my-sharing");
    expect(summary(await audit(page))).toEqual([]);
  });

  const approves =
    "approves a request with the keyboard: the requester is subscribed and becomes a member, at the coarse precision";
  it(approves, async () => {
    const approve = `.request[data-jid="${vik.jid}"] button[data-allow="true"]`;
    await page.focus("#nav a");
    for (let i = 0; i < 30 && !(await page.$eval(approve, (b) => b === document.activeElement)); i++)
      await page.keyboard.press("Tab");
    expect(await page.$eval(approve, (b) => b === document.activeElement)).toBe(true); // reached by Tab alone
    expect(await page.getAttribute(approve, "aria-label")).toBe(`Approve ${vik.jid}`);
    await page.keyboard.press("Enter");
    await vik.waitFor(
      (s) => s.getChild("pubsub")?.getChild("subscription")?.attrs.subscription === "subscribed",
      "the approval",
    );
    await ready(2);
    expect(await page.textContent("#sharing-status")).toBe(`Approved ${vik.jid}.`);
    await page.click("#share-hour"); // and refreshes: the members list shows vik by then
    await ready(3);
    expect(await page.getAttribute('#members li[data-jid="vik@localhost"]', "data-precision")).toBe("coarse");
    expect(await page.textContent('#members li[data-jid="vik@localhost"] .precision')).toBe("sees a 5 km grid cell");
  });

  const denies =
    "denies a request: the requester is told (subscription none, XEP-0060 §8.6.2), is no member and waits no more";
  it(denies, async () => {
    await page.click(`.request[data-jid="${wes.jid}"] button[data-allow="false"]`);
    await wes.waitFor(
      (s) => s.getChild("pubsub")?.getChild("subscription")?.attrs.subscription === "none",
      "the denial",
    );
    await ready(4);
    expect(await page.textContent("#sharing-status")).toBe(`Denied ${wes.jid}.`);
    await page.click("#share-hour"); // refreshes once more: the answer is a message, its effect lands after the report
    await ready(5);
    expect(await page.textContent("#pending")).not.toContain(wes.jid);
    expect(await page.textContent("#members")).not.toContain("wes@localhost");
    expect(await page.textContent("#h-pending")).toBe("Asking to see me (0)");
  });

  it("shares for one hour with one click: geo#share_until is an hour from now", async () => {
    const until = stack.service.core.node("olive@localhost")!.config.shareUntil!;
    expect(Math.abs(until - (Date.now() + 3600_000))).toBeLessThan(120_000);
    expect(await page.textContent("#share-state")).toContain("until");
    // the focus stays on the button
    expect(await page.$eval("#share-hour", (b) => b === document.activeElement)).toBe(true);
  });

  it("gives one viewer the exact position (geo#exact), from the next fix on", async () => {
    await page.click('button[data-key="exact:vik@localhost"]');
    await ready(6);
    expect(stack.service.core.node("olive@localhost")!.config.exact).toEqual(["max@localhost", "vik@localhost"]);
    expect(await page.getAttribute('#members li[data-jid="vik@localhost"]', "data-precision")).toBe("exact");
    expect(summary(await audit(page))).toEqual([]);
  });

  it("removes a viewer: their subscription ends at once and they are told (XEP-0060 §8.8.4)", async () => {
    await page.click('button[data-key="revoke:vik@localhost"]');
    await vik.waitFor(
      (s) => s.getChild("pubsub")?.getChild("subscription")?.attrs.subscription === "none",
      "the revocation",
    );
    await ready(7);
    expect(await page.textContent("#sharing-status")).toBe("vik@localhost can no longer see you.");
    expect(await page.$('#members li[data-jid="vik@localhost"]')).toBeNull();
    expect(await page.textContent("#watching")).not.toContain(vik.jid);
    expect(stack.service.core.node("olive@localhost")!.affiliations.get("vik@localhost")).toBeUndefined();
  });

  it("stops sharing (viewers get an empty geoloc) and erases the data", async () => {
    await page.click("#stop");
    await max.waitFor(
      (s) => isEvent(s, "olive@localhost", (i) => i.getChild("geoloc")?.getChildElements().length === 0),
      "the stop",
    );
    await ready(8);
    await page.click("#erase");
    await page.waitForSelector("#no-node");
    expect(stack.service.core.node("olive@localhost") !== undefined).toBe(false);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  const remembered =
    "with remember me on the map, is logged in already; links back to the map; its logout forgets the password";
  it(remembered, async () => {
    ({ context, page } = await fresh(site.url));
    await signIn(page, "olive@localhost", "pw", true);
    await waitLive(page);
    await page.click('#nav a[href="sharing.html"]');
    await ready(1); // no form: the map's remembered session
    await page.waitForSelector("#no-node");
    expect(await page.$("#login")).toBeNull();
    expect(summary(await audit(page))).toEqual([]);
    await page.click('#nav a[href="./"]');
    await waitLive(page); // and back on the map, logged in too
    await page.click('#nav a[href="sharing.html"]');
    await ready(1);
    await page.click("#logout");
    await page.waitForSelector("#login");
    expect(await saved(page)).toEqual({ websocket: stack.prosody.websocketUrl, jid: "olive@localhost" });
    expect(cspViolations).toEqual([]);
    await context.close();
    expect(errors).toEqual([]);
  });
});
