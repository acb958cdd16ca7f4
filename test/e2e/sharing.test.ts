// "My sharing" (client-web/src/sharing/) in a real headless Chromium against the real Prosody and component: the
// publisher sees who is watching and who looked, approves a request, shares for an hour, stops sharing and erases.
// The page is not wired into the map's build yet: it is served by Vite's dev server from its own index.html.
import { xml } from "@xmpp/client";
import type { Browser, Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geoloc, isEvent, owner, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { launchBrowser, openPage } from "./support/browser.ts";

let stack: Stack;
let vite: ViteDevServer;
let browser: Browser;
let page: Page;
let olive: TestClient, max: TestClient, vik: TestClient;
const errors: Error[] = [];

const ready = (n: number) => page.waitForSelector(`#sharing[data-ready="${n}"]`);

beforeAll(async () => {
  browser = await launchBrowser();
  const { createServer } = await import("vite");
  [stack, vite] = await Promise.all([startStack(), createServer({
    configFile: fileURLToPath(new URL("../../client-web/vite.config.ts", import.meta.url)),
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false }, logLevel: "warn",
  }).then((s) => s.listen())]);
  olive = await stack.user("olive");
  max = await stack.viewer("max");
  vik = await stack.viewer("vik");
  await olive.iq("set", publishEl(geoloc({ lat: 43.3, lon: 5.37 }), undefined, "o1"));
  await olive.iq("set", owner(xml("configure", { node: "olive@localhost" }, xml("x", { xmlns: "jabber:x:data", type: "submit" },
    xml("field", { var: "pubsub#access_model" }, xml("value", {}, "authorize"))))));
  await olive.iq("set", owner(xml("affiliations", { node: "olive@localhost" }, xml("affiliation", { jid: "max@localhost", affiliation: "member" }))));
  await max.iq("set", pubsub(xml("subscribe", { node: "locations", jid: max.jid })));
  await max.iq("get", pubsub(xml("items", { node: "olive@localhost" })));
  await vik.iq("set", pubsub(xml("subscribe", { node: "olive@localhost", jid: vik.jid }))); // pending
  const url = `${vite.resolvedUrls!.local[0]}src/sharing/index.html?${new URLSearchParams({ ws: stack.prosody.websocketUrl, service: stack.componentJid })}`;
  const opened = await openPage(browser, url);
  page = opened.page;
  page.on("pageerror", (e) => errors.push(e));
  page.on("dialog", (d) => void d.accept());
  await page.fill("[name=jid]", "olive@localhost");
  await page.fill("[name=password]", "pw");
  await page.click("button[type=submit]");
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await vite?.close();
  await stack?.stop();
});

describe("my sharing page", () => {
  it("shows who may see me, who is watching, who looked, and who asks", async () => {
    await ready(1);
    expect(await page.textContent("#access")).toBe("authorize");
    expect(await page.textContent("#members")).toContain("max@localhost");
    expect(await page.textContent("#watching")).toContain(max.jid);
    expect(await page.textContent("#looked")).toContain("max@localhost");
    expect(await page.textContent("#pending")).toContain(vik.jid);
  });

  it("approves a request: the requester is subscribed and becomes a member", async () => {
    await page.click(`.request[data-jid="${vik.jid}"] button[data-allow="true"]`);
    await vik.waitFor((s) => s.getChild("pubsub")?.getChild("subscription")?.attrs.subscription === "subscribed", "the approval");
    await ready(2);
    await page.click("#share-hour"); // and refreshes: the members list shows vik by then
    await ready(3);
    expect(await page.textContent("#members")).toContain("vik@localhost");
  });

  it("shares for one hour with one click: geo#share_until is an hour from now", async () => {
    const until = stack.service.core.state.nodes.get("olive@localhost")!.config.shareUntil!;
    expect(Math.abs(until - (Date.now() + 3600_000))).toBeLessThan(120_000);
    expect(await page.textContent("#sharing")).toContain("until");
  });

  it("stops sharing (viewers get an empty geoloc) and erases the data", async () => {
    await page.click("#stop");
    await max.waitFor((s) => isEvent(s, "olive@localhost", (i) => i.getChild("geoloc")?.getChildElements().length === 0), "the stop");
    await ready(4);
    await page.click("#erase");
    await page.waitForSelector("#no-node");
    expect(stack.service.core.state.nodes.has("olive@localhost")).toBe(false);
    expect(errors).toEqual([]);
  });
});
