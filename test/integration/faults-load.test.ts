// Faults under load: 200 simulated publishers (the simulator's own code) keep publishing while the component is
// killed with -9 and restarted, or while Prosody restarts. Afterwards every acknowledged publish is in storage,
// configuration and subscriptions are intact, presence is learned again and a viewer's picture catches up.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { connectClient, geoloc, NS_OWNER, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startComponent } from "../support/component-process.ts";
import { connectViewer, latestItems, lostAcks, Picture, startLoad, storedItems } from "../support/load.ts";

const COUNT = 200;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) {
    try {
      await f();
    } catch {
      /* best effort */
    }
  }
});

async function setup(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "geo-load-"));
  const db = join(dataDir, "geo.sqlite");
  const prosody = await startProsody({ dataDir });
  const holder = { prosody };
  cleanup.push(() => holder.prosody.stop());
  const env = { GEO_MAX_ITEMS: "500" }; // keep every acknowledged item, so that each one can be looked up
  let comp = startComponent(prosody, db, env);
  cleanup.push(() => comp.kill9());
  await comp.connected(1);
  for (const name of ["vic", "olga"]) prosody.register(name, "pw");
  const picture = new Picture(prefix);
  const viewer = await connectViewer(prosody, "vic", picture);
  cleanup.push(() => viewer.stop());
  // an owner with a configured node and an affiliation: both must survive
  const olga = await connectClient({
    service: prosody.c2sService,
    domain: prosody.domain,
    username: "olga",
    password: "pw",
    pubsub: prosody.component,
  });
  cleanup.push(() => olga.stop());
  await olga.iq("set", publishEl(geoloc({ lat: 50, lon: 8 }), undefined, "o1"));
  await olga.iq(
    "set",
    xml(
      "pubsub",
      { xmlns: NS_OWNER },
      xml(
        "configure",
        { node: "olga@localhost" },
        xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "pubsub#title" }, xml("value", {}, "Olga's bike")),
          xml("field", { var: "pubsub#max_items" }, xml("value", {}, "7")),
        ),
      ),
    ),
  );
  await olga.iq(
    "set",
    xml(
      "pubsub",
      { xmlns: NS_OWNER },
      xml(
        "affiliations",
        { node: "olga@localhost" },
        xml("affiliation", { jid: "pat@localhost", affiliation: "publisher" }),
      ),
    ),
  );
  return {
    dataDir,
    db,
    holder,
    env,
    picture,
    viewer,
    olga,
    get comp() {
      return comp;
    },
    restart() {
      comp = startComponent(holder.prosody, db, env);
      return comp;
    },
  };
}

/** An element as text with sorted attributes: a restarted Prosody re-serialises attributes in another order. */
function canon(el: Element): string {
  const attrs = Object.keys(el.attrs)
    .sort()
    .map((k) => ` ${k}="${el.attrs[k]}"`)
    .join("");
  const children = el.children.map((c) => (typeof c === "string" ? c : canon(c as Element))).join("");
  return `<${el.name}${attrs}>${children}</${el.name}>`;
}

/** Nodes, configuration, affiliations and subscriptions as clients can read them. */
async function durable(viewer: TestClient, olga: TestClient): Promise<string> {
  const disco = await viewer.iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }));
  const nodes = disco
    .getChild("query")!
    .getChildren("item")
    .map((i) => String(i.attrs.node))
    .sort();
  const subs = await viewer.iq("get", pubsub(xml("subscriptions")));
  const cfg = await olga.iq("get", xml("pubsub", { xmlns: NS_OWNER }, xml("configure", { node: "olga@localhost" })));
  const aff = await olga.iq("get", xml("pubsub", { xmlns: NS_OWNER }, xml("affiliations", { node: "olga@localhost" })));
  const items = await viewer.iq("get", pubsub(xml("items", { node: "olga@localhost" })));
  return [nodes.length, nodes.join(","), ...[subs, cfg, aff, items].map((r) => canon(r.getChildElements()[0]))].join(
    "\n",
  );
}

/** The stack, COUNT simulated publishers all online with a position, and what is durable before the fault. */
async function underLoad(prefix: string) {
  const s = await setup(prefix);
  const load = startLoad(s.holder.prosody, COUNT, prefix);
  cleanup.push(() => load.stop());
  const race = <T>(p: Promise<T>) => Promise.race([p, load.failed]);
  await race(
    s.picture.until(
      `all ${COUNT} publishers online with a position`,
      (all) => all.length === COUNT && all.every((p) => p.online && p.locations >= 2),
    ),
  );
  return { s, load, race, before: await durable(s.viewer, s.olga) };
}

describe("faults under load from the simulator", () => {
  it(
    `loses no acknowledged publish when the component is killed with -9 under ${COUNT} publishers, ` + `and recovers`,
    async () => {
      const prefix = "k9-";
      const { s, load, race, before } = await underLoad(prefix);

      await s.comp.kill9();
      const killedAt = Date.now();
      const ackedBeforeKill = load.acks.length;
      s.picture.reset();
      const comp = s.restart();
      await comp.connected(1);

      // presence is learned again (the service probes every publisher) and publishing resumes, for all of them
      await race(
        s.picture.until(
          `all ${COUNT} publishers online again and publishing`,
          (all) => all.length === COUNT && all.every((p) => p.online && p.locations >= 2),
        ),
      );
      const recovered = Date.now();
      expect(await durable(s.viewer, s.olga)).toBe(before);

      const stats = await load.stop();
      await s.picture.until(
        "every publisher offline after logging out",
        (all) => all.every((p) => p.online === false),
        30_000,
      );
      const lost = lostAcks(load.acks, s.db);
      console.log(
        `kill -9 under load: ${load.acks.length} publishes acknowledged (${ackedBeforeKill} before the kill), ` +
          `${stats.failed} failed while the component was down or being killed, ` +
          `${lost.length} acknowledged but lost; ` +
          `from the kill to all ${COUNT} online and publishing again: ${recovered - killedAt} ms`,
      );
      expect(lost).toEqual([]);
      expect(load.acks.length).toBeGreaterThan(ackedBeforeKill + COUNT);
      // the viewer's picture equals the service's: the newest item of every publisher, by notification alone
      const latest = await latestItems(s.viewer);
      for (const [publisher, seen] of s.picture.by) expect(seen.location, publisher).toBe(latest.get(publisher));
      expect(comp.output()).not.toMatch(/ error: /);
    },
    150_000,
  );

  it(
    `reconnects with backoff when Prosody restarts under ${COUNT} publishers; ` + `publishers and viewers recover`,
    async () => {
      const prefix = "pr-";
      const { s, load, race, before } = await underLoad(prefix);

      const old: Prosody = s.holder.prosody;
      const ports = {
        c2sPort: old.c2sPort,
        componentPort: old.componentPort,
        httpPort: old.httpPort,
        componentSecret: old.componentSecret,
      };
      await old.stop();
      const stoppedAt = Date.now();
      // the component retries on its own: wait for two refused attempts (1 s, then 2 s later) before Prosody returns
      await s.comp.logged("disconnected from");
      await s.comp.until(
        (out) => out.split("\n").filter((l) => l.includes("ECONNREFUSED")).length >= 2,
        "two refused reconnect attempts",
      );
      s.holder.prosody = await startProsody({ dataDir: s.dataDir, ...ports });
      await s.comp.connected(2);
      const back = Date.now();

      // the backoff doubles: each refused attempt logs "disconnected ...; retrying in N s" (lines carry ISO timestamps)
      const retries = s.comp
        .output()
        .split("\n")
        .filter((l) => l.includes("disconnected from"))
        .map((l) => Date.parse(l.slice(0, 24)));
      const gaps = retries.slice(1).map((t, i) => t - retries[i]);
      expect(gaps.length).toBeGreaterThanOrEqual(2);
      expect(gaps[0]).toBeGreaterThanOrEqual(950);
      expect(gaps[1]).toBeGreaterThanOrEqual(1950);
      expect(s.comp.output()).toMatch(/retrying in 1 s[^]*retrying in 2 s[^]*retrying in 4 s/);

      // the viewer's session died with Prosody: it logs in again; its persistent subscriptions are still there
      s.picture.reset();
      const viewer = await connectViewer(s.holder.prosody, "vic", s.picture, false);
      cleanup.push(() => viewer.stop());
      const olga = await connectClient({
        service: s.holder.prosody.c2sService,
        domain: "localhost",
        username: "olga",
        password: "pw",
        pubsub: s.holder.prosody.component,
        timeoutMs: 10_000,
      });
      cleanup.push(() => olga.stop());
      // what changed while it was away: the presence snapshot (without it, a publisher whose session came back before
      // the viewer's is never announced to it)
      await s.picture.load(viewer);
      await race(
        s.picture.until(
          `all ${COUNT} publishers back online and publishing`,
          (all) => all.length === COUNT && all.every((p) => p.online && p.locations >= 2),
          120_000,
        ),
      );
      const recovered = Date.now();
      expect(await durable(viewer, olga)).toBe(before);

      const stats = await load.stop();
      await s.picture.until(
        "every publisher offline after logging out",
        (all) => all.every((p) => p.online === false),
        30_000,
      );
      const lost = lostAcks(load.acks, s.db);
      console.log(
        `Prosody restart under load: down ${back - stoppedAt} ms, reconnect gaps ${gaps.join(", ")} ms, ` +
          `all ${COUNT} publishers back ${recovered - back} ms after the component reconnected; ` +
          `${load.acks.length} acknowledged, ${stats.failed} failed, ${lost.length} lost`,
      );
      expect(lost).toEqual([]);
      expect(storedItems(s.db).size).toBe(COUNT + 1);
      const latest = await latestItems(viewer);
      for (const [publisher, seen] of s.picture.by) expect(seen.location, publisher).toBe(latest.get(publisher));
    },
    240_000,
  );
});
