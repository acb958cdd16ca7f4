// A new user's day with the map, from the static build (npm run map:build's output served by a plain static server),
// in a real Chromium against a real Prosody and the service: log in, find a publisher by name, follow, log out and
// share the view's link; the login's errors, "remember me", the empty state and the reconnect banner.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMap } from "../../client-web/build.ts";
import type { Session } from "../../component/src/simulator/session.ts";
import { freePort } from "../../prosody/server.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { serveStatic, type StaticServer } from "../support/static-server.ts";
import { launchBrowser } from "./support/browser.ts";
import { mapConfig, row, waitLive } from "./support/map.ts";
import { fix, publisher } from "./support/publishers.ts";

let stack: Stack;
let browser: Browser;
let site: StaticServer;
let missing: StaticServer;
let dirs: string[] = [];
let alice: Session | undefined;
const errors: Error[] = [];

async function build(config: unknown): Promise<StaticServer> {
  const dir = mkdtempSync(join(tmpdir(), "geo-map-site-"));
  dirs.push(dir);
  await buildMap({ outDir: dir, config });
  return serveStatic(dir);
}

async function fresh(url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(url);
  await page.waitForSelector("#login");
  return { context, page };
}

async function signIn(
  page: Page,
  o: { jid: string; password: string; remember?: boolean; websocket?: string },
): Promise<void> {
  if (o.websocket) await page.fill("[name=websocket]", o.websocket);
  await page.fill("[name=jid]", o.jid);
  await page.fill("[name=password]", o.password);
  if (o.remember) await page.check("[name=remember]");
  await page.click("button[type=submit]");
}

const saved = (page: Page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem("geo-map-login") ?? "{}")) as Promise<Record<string, string>>;

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack();
  for (const u of ["viewer", "alice", "bob"]) stack.prosody.register(u, "pw");
  // The build's config.json, as an operator would write it (no password anywhere in it).
  site = await build(mapConfig(stack));
  missing = await build(mapConfig(stack, { service: "nothing.localhost" }));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await alice?.logout();
  await site?.close();
  await missing?.close();
  await stack?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  expect(errors.map((e) => e.message)).toEqual([]);
});

describe("a new user with the static build", () => {
  let shared = "";

  it("says that nobody shares yet, then shows the first one who does", async () => {
    const { context, page } = await fresh(site.url);
    expect(await page.inputValue("[name=websocket]")).toBe(stack.prosody.websocketUrl); // from config.json
    expect(page.url()).not.toContain("password");
    await signIn(page, { jid: "viewer", password: "pw" }); // a bare name: config.json's domain completes it
    await waitLive(page);
    await page.waitForSelector("#empty:not([hidden])");
    expect(await page.textContent("#empty")).toContain("Nobody is sharing their location with you yet");
    expect(await page.textContent("#who")).toBe("viewer@localhost");
    alice = await publisher(stack, "alice", "pw");
    await alice.publish(fix(52.52, 13.405, { text: "Alexanderplatz" }));
    await page.waitForSelector(row("alice@localhost", "online"));
    await page.waitForSelector("#empty", { state: "hidden" });
    await context.close();
  });

  it("logs in, finds a publisher by name, follows, logs out and shares the view's link", async () => {
    const bob = await publisher(stack, "bob", "pw");
    await bob.publish(fix(52.5, 13.35));
    const { context, page } = await fresh(site.url);
    await signIn(page, { jid: "viewer@localhost", password: "pw" });
    await waitLive(page);
    await page.waitForSelector(row("bob@localhost"));
    await page.fill("#search", "ali");
    await page.waitForFunction(() => document.querySelectorAll(".row").length === 1);
    await page.click(row("alice@localhost"));
    await page.click('#details [data-action="follow"]');
    expect(await page.getAttribute('#details [data-action="follow"]', "aria-pressed")).toBe("true");
    await alice!.publish(fix(52.53, 13.42)); // followed: the map keeps her in the middle
    await page.waitForFunction(() => {
      const m = /map=[\d.]+\/([\d.]+)\/([\d.]+)/.exec(location.hash);
      return !!m && Math.abs(Number(m[1]) - 52.53) < 0.001 && Math.abs(Number(m[2]) - 13.42) < 0.001;
    });
    expect(new URL(page.url()).hash).toContain("sel=alice@localhost");
    shared = page.url();
    expect(shared).not.toMatch(/password|pw/);
    // no password kept
    expect(await saved(page)).toEqual({ websocket: stack.prosody.websocketUrl, jid: "viewer@localhost" });
    await page.click("#logout");
    await page.waitForSelector("#login");
    expect(await page.inputValue("[name=jid]")).toBe("viewer@localhost"); // remembered
    expect(await page.inputValue("[name=password]")).toBe("");
    expect(new URL(page.url()).hash).toBe(new URL(shared).hash); // the link still says where to look
    await context.close();
    await bob.logout();
  });

  it("opens a shared link at that view with that publisher selected", async () => {
    const { context, page } = await fresh(shared);
    await signIn(page, { jid: "viewer@localhost", password: "pw" });
    await waitLive(page);
    await page.waitForSelector('#details[data-jid="alice@localhost"]');
    // The view comes from the link, not from framing everyone (which would rewrite the hash).
    const [, z, lat, lon] = /map=([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(new URL(shared).hash)!;
    await page.waitForFunction(
      ([la, lo, zz]) => {
        const m = /map=([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(location.hash);
        return (
          !!m &&
          m[1] === zz &&
          Math.abs(Number(m[2]) - Number(la)) < 0.001 &&
          Math.abs(Number(m[3]) - Number(lo)) < 0.001
        );
      },
      [lat, lon, z],
    );
    await context.close();
  });

  it("remembers the password only when asked, and logout forgets it", async () => {
    const { context, page } = await fresh(site.url);
    await signIn(page, { jid: "viewer@localhost", password: "pw", remember: true });
    await waitLive(page);
    expect((await saved(page)).password).toBe("pw");
    await page.reload();
    await waitLive(page); // logged in again without the form
    await page.click("#logout");
    await page.waitForSelector("#login");
    expect(await saved(page)).toEqual({ websocket: stack.prosody.websocketUrl, jid: "viewer@localhost" });
    // A remembered password that stopped working is forgotten at the next visit, with the error shown.
    await page.evaluate(
      (ws) =>
        localStorage.setItem(
          "geo-map-login",
          JSON.stringify({ websocket: ws, jid: "viewer@localhost", password: "old" }),
        ),
      stack.prosody.websocketUrl,
    );
    await page.reload();
    await page.waitForSelector("#login-error:not([hidden])");
    expect(await page.textContent("#login-error")).toMatch(/^Wrong JID or password/);
    expect((await saved(page)).password).toBeUndefined();
    await context.close();
  });

  it("tells a wrong password, an unreachable server and a missing service apart", async () => {
    const { context, page } = await fresh(site.url);
    await signIn(page, { jid: "viewer@localhost", password: "wrong" });
    await page.waitForSelector("#login-error:not([hidden])");
    expect(await page.textContent("#login-error")).toMatch(/^Wrong JID or password/);
    const closed = await freePort();
    await signIn(page, {
      jid: "viewer@localhost",
      password: "pw",
      websocket: `ws://127.0.0.1:${closed}/xmpp-websocket`,
    });
    await page.waitForFunction(() =>
      /Cannot reach the server/.test(document.querySelector("#login-error")?.textContent ?? ""),
    );
    await context.close();
    const other = await fresh(missing.url);
    await signIn(other.page, { jid: "viewer@localhost", password: "pw" });
    await other.page.waitForSelector("#login-error:not([hidden])");
    expect(await other.page.textContent("#login-error")).toMatch(/The geo service nothing.localhost is not there/);
    await other.context.close();
  });

  it("says since when the connection is lost", async () => {
    const { context, page } = await fresh(site.url);
    await signIn(page, { jid: "viewer@localhost", password: "pw" });
    await waitLive(page);
    const before = Date.now();
    await page.evaluate("window.geoMap.drop()");
    await page.waitForSelector('#banner[data-phase="reconnecting"][data-since]');
    const since = Number(await page.getAttribute("#banner", "data-since"));
    expect(since).toBeGreaterThanOrEqual(before - 1000);
    expect(await page.textContent("#banner")).toMatch(/Connection lost since \d\d:\d\d:\d\d/);
    await waitLive(page);
    expect(await page.getAttribute("#banner", "data-since")).toBeNull();
    await context.close();
  });
});

describe("the static build served by Prosody itself (mod_http_files, same origin as its WebSocket)", () => {
  it("logs in with config.json's same-origin WebSocket and shows the publishers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "geo-map-prosody-"));
    dirs.push(dir);
    // websocket "" = the page's own origin: ws://<Prosody's HTTP host>/xmpp-websocket
    await buildMap({ outDir: dir, config: { websocket: "", service: "geo.localhost", domain: "localhost" } });
    const own = await startStack({ prosody: { httpFilesDir: dir } });
    try {
      own.prosody.register("viewer", "pw");
      own.prosody.register("alice", "pw");
      const a = await publisher(own, "alice", "pw");
      await a.publish(fix(48.8566, 2.3522));
      const url = `http://127.0.0.1:${own.prosody.httpPort}/`;
      const { context, page } = await fresh(url);
      expect(await page.inputValue("[name=websocket]")).toBe(`ws://127.0.0.1:${own.prosody.httpPort}/xmpp-websocket`);
      await signIn(page, { jid: "viewer", password: "pw" });
      await waitLive(page);
      await page.waitForSelector(row("alice@localhost", "online"));
      await context.close();
      await a.logout();
    } finally {
      await own.stop();
    }
  });
});
