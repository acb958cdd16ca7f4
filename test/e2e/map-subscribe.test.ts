// The map's subscriptions with XEP-0060 §6.3 options, against a stand-in service that offers them (the real one
// does once digests and areas land; map.test.ts covers the plain subscribe it falls back to): the subscribe carries
// a digest and the padded view as geo#bbox, and a pan moves the area with one §6.3.5 options set.
import { component, type Component } from "@xmpp/component";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebServer, type WebServer } from "../../client-web/server.ts";
import { NS } from "../../component/src/protocol/ns.ts";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { launchBrowser, openPage } from "./support/browser.ts";
import { login, waitLive } from "./support/map.ts";

const FEATURE = "http://jabber.org/protocol/pubsub#subscription-options";

let prosody: Prosody;
let service: Component;
let web: WebServer;
let browser: Browser;
let page: Page;
const sets: Element[] = [];
const waiters: (() => void)[] = [];

function fields(el: Element | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of el?.getChild("x", "jabber:x:data")?.getChildren("field") ?? [])
    out[String(f.attrs.var)] = f.getChildText("value") ?? "";
  return out;
}

async function nextSet(match: (p: Element) => boolean): Promise<Element> {
  for (;;) {
    const found = sets.find(match);
    if (found) return found;
    await new Promise<void>((r) => waiters.push(r));
  }
}

beforeAll(async () => {
  browser = await launchBrowser();
  prosody = await startProsody({ dataDir: mkdtempSync(join(tmpdir(), "geo-subopt-")) });
  prosody.register("viewer", "pw");
  // A stand-in pubsub service: disco#info with subscription options, subscribe and options recorded, no items.
  service = component({
    service: prosody.componentService,
    domain: prosody.component,
    password: prosody.componentSecret,
  });
  service.on("error", () => {});
  service.iqCallee.get(NS.discoInfo, "query", () =>
    xml(
      "query",
      { xmlns: NS.discoInfo },
      xml("identity", { category: "pubsub", type: "service" }),
      xml("feature", { var: NS.pubsub }),
      xml("feature", { var: FEATURE }),
    ),
  );
  service.iqCallee.get(NS.pubsub, "pubsub", (ctx: { element: Element }) =>
    xml("pubsub", { xmlns: NS.pubsub }, xml("items", { node: String(ctx.element.getChild("items")?.attrs.node) })),
  );
  service.iqCallee.set(NS.pubsub, "pubsub", (ctx: { element: Element }) => {
    sets.push(ctx.element);
    waiters.splice(0).forEach((w) => w());
    const sub = ctx.element.getChild("subscribe");
    if (!sub) return undefined; // an empty result (§6.3.5)
    return xml(
      "pubsub",
      { xmlns: NS.pubsub },
      xml("subscription", {
        node: sub.attrs.node,
        jid: sub.attrs.jid,
        subid: `sub-${sub.attrs.node}`,
        subscription: "subscribed",
      }),
    );
  });
  await service.start();
  web = await startWebServer({
    port: 0,
    config: { websocket: prosody.websocketUrl, service: prosody.component, domain: prosody.domain, digestMs: 250 },
  });
  ({ page } = await openPage(browser, `${web.url}#map=12/52.5200/13.4050`));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  try {
    await service?.stop();
  } catch {
    /* gone */
  }
  await prosody?.stop();
});

describe("subscription options", () => {
  it("subscribes with a digest and its view as the area, then moves the area with an options set", async () => {
    await login(page, "viewer@localhost", "pw");
    await waitLive(page);
    const locations = await nextSet((p) => p.getChild("subscribe")?.attrs.node === "locations");
    const presence = await nextSet((p) => p.getChild("subscribe")?.attrs.node === "presence");
    // XEP-0060 §6.3.7: subscribe and configure in one request; the area is the link's view (Berlin at zoom 12)
    expect(fields(locations.getChild("options"))).toMatchObject({
      FORM_TYPE: "http://jabber.org/protocol/pubsub#subscribe_options",
      "pubsub#digest": "1",
      "pubsub#digest_frequency": "250",
    });
    const [s0, w0, n0, e0] = fields(locations.getChild("options"))["geo#bbox"].split(",").map(Number);
    expect(s0 < 52.52 && n0 > 52.52 && w0 < 13.405 && e0 > 13.405 && n0 - s0 < 1).toBe(true);
    expect(fields(presence.getChild("options"))).toEqual({
      FORM_TYPE: "http://jabber.org/protocol/pubsub#subscribe_options",
      "pubsub#digest": "1",
      "pubsub#digest_frequency": "250",
    });
    // Once the view is drawn, its own padded bounds (the map's size, not the window's) become the area: §6.3.5.
    const first = await nextSet((p) => !p.getChild("subscribe") && p.getChild("options")?.attrs.node === "locations");
    expect(first.getChild("options")?.attrs.subid).toBe("sub-locations");
    const [s, w, n, e] = fields(first.getChild("options"))["geo#bbox"].split(",").map(Number);
    expect(s).toBeLessThan(52.52);
    expect(n).toBeGreaterThan(52.52);
    expect(w).toBeLessThan(13.405);
    expect(e).toBeGreaterThan(13.405);
    expect(n - s).toBeLessThan(1); // the view at zoom 12, not the world
    // A pan of several frames gives one options set once it settles (debounced), with the new area around Paris.
    // The pan's frames follow each other in the page, not one page.evaluate apiece: on a busy machine a round trip to
    // the page can outlast the debounce (400 ms), which then sets the area of a view the pan only passed through.
    const before = sets.length;
    await page.evaluate(`(async () => {
      for (const lon of [8, 5, 2.35]) {
        window.geoMap.setView(48.8566, lon, 12);
        await new Promise((r) => requestAnimationFrame(r));
      }
    })()`);
    const moved = await nextSet(
      (p) => sets.indexOf(p) >= before && fields(p.getChild("options"))["geo#bbox"]?.startsWith("48."),
    );
    const [s2, w2, n2, e2] = fields(moved.getChild("options"))["geo#bbox"].split(",").map(Number);
    expect(s2 < 48.8566 && n2 > 48.8566 && w2 < 2.35 && e2 > 2.35).toBe(true);
    expect(sets.slice(before).filter((p) => p.getChild("options")).length).toBe(1);
  });
});
