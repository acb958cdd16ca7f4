// Headless Chromium for the e2e tests: Debian's /usr/bin/chromium driven by playwright-core. Fails loudly when it
// is missing (never downloads a browser).
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = fileURLToPath(new URL("../../artifacts/", import.meta.url));

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the e2e tests need it. ` +
        "Install it with: apt-get install -y chromium (or set CHROMIUM_PATH)",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A page that fails the test on any uncaught error in the map's code, and keeps the console for diagnostics. */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<{ page: Page; console: string[]; errors: Error[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const console: string[] = [];
  const errors: Error[] = [];
  page.on("console", (m) => console.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => errors.push(e));
  // functions passed to page.evaluate may be compiled with keepNames
  await page.addInitScript("globalThis.__name ??= (f) => f");
  await page.goto(url);
  return { page, console, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}.png`;
  await page.screenshot({ path });
  return path;
}
