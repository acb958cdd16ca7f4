// The README's nginx deployment, run: prosody/nginx-map.conf in front of a real Prosody, TLS with a certificate
// the test makes (openssl), the map from the static build over https://, XMPP over wss:// through nginx, and the
// page passing the Content-Security-Policy (no violation reported, no inline script).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMap } from "../../client-web/build.ts";
import type { Session } from "../../component/src/simulator/session.ts";
import { freePort } from "../../prosody/server.ts";
import { renderSite, startNginx, testCertificate, type Nginx } from "../support/nginx.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { launchBrowser } from "./support/browser.ts";
import { row, waitLive } from "./support/map.ts";
import { fix, publisher } from "./support/publishers.ts";

let stack: Stack;
let browser: Browser;
let nginx: Nginx;
let alice: Session;
let dir: string;
let url: string;
let plain: string;

beforeAll(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), "geo-nginx-"));
  const root = join(dir, "www");
  // as the example says
  await buildMap({ outDir: root, config: { websocket: "", service: "geo.localhost", domain: "localhost" } });
  stack = await startStack();
  for (const u of ["viewer", "alice"]) stack.prosody.register(u, "pw");
  alice = await publisher(stack, "alice", "pw");
  await alice.publish(fix(52.52, 13.405));
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  nginx = await startNginx(
    join(dir, "nginx"),
    renderSite({ httpsPort, httpPort, prosodyHttpPort: stack.prosody.httpPort, root, ...testCertificate(dir) }),
  );
  url = `https://127.0.0.1:${httpsPort}/`;
  plain = `http://127.0.0.1:${httpPort}/`;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await alice?.logout();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the map behind nginx with TLS", () => {
  it("serves the build over https with its security headers, and logs in over wss:// through the proxy", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    // Every CSP violation the page meets (a blocked inline script or style, a foreign origin) is reported here.
    await page.addInitScript(() => {
      (window as unknown as { cspViolations: string[] }).cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const res = await page.goto(url);
    const csp = res!.headers()["content-security-policy"];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(await page.evaluate("document.querySelectorAll('script:not([src])').length")).toBe(0); // no inline script
    await page.waitForSelector("#login");
    expect(await page.inputValue("[name=websocket]")).toBe(url.replace("https:", "wss:") + "xmpp-websocket");
    await page.fill("[name=jid]", "viewer");
    await page.fill("[name=password]", "pw");
    await page.click("button[type=submit]");
    await waitLive(page);
    await page.waitForSelector(row("alice@localhost", "online"));
    await page.click(row("alice@localhost")); // the details, the list and the map drawn under the policy
    await page.waitForSelector('#details[data-jid="alice@localhost"]');
    await page.evaluate("window.geoMap.setView(52.52, 13.4, 12)");
    await page.waitForFunction("window.geoMap.view().places.includes('Mitte')");
    expect(await page.evaluate("window.cspViolations")).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("sends plain http to https", async () => {
    const res = await fetch(`${plain}index.html`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("https://127.0.0.1/index.html"); // the standard port in a deployment
  });
});
