// PEP ingest survives every kind of restart, again and again: a clean stop of the component (SIGTERM), kill -9 of
// the component, and a Prosody restart, 20 in a row while 50 simulated publishers keep publishing. After each, a
// user who only publishes to their own PEP node (XEP-0163) reaches a `locations` viewer with the next fix, exactly
// once, and the last fix that mod_pep resends when it learns the service's caps again is not doubled. The viewer is
// the map's kind: a temporary subscription from a full JID that sent the service presence (XEP-0060 §12.5), which
// must survive the component's restarts and end (then be made again) with the viewer's session when Prosody restarts.
// The first restart comes within a second of Prosody's start, where its uptime (whole seconds) cannot tell a restart.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { connectClient, geoloc, NS_EVENT, pubsub, type TestClient } from "../support/client.ts";
import { startComponent, type ComponentProcess } from "../support/component-process.ts";
import { lostAcks, startLoad } from "../support/load.ts";
import { autoApprove, pepPublish } from "../support/pep.ts";

const CYCLES = 20;
const KINDS = ["component stop", "component kill -9", "Prosody restart"] as const;
const CAPS = "http://jabber.org/protocol/caps";

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) {
    try {
      await f();
    } catch {
      /* best effort */
    }
  }
});

/** Every location item the viewer was notified of, live (not replayed with <delay/>), by item id. */
function arrivals(all: Element[], publisher: string): string[] {
  return all.flatMap((s) => {
    const items = s.is("message") ? s.getChild("event", NS_EVENT)?.getChild("items") : undefined;
    if (!items || items.attrs.node === "presence") return [];
    return items
      .getChildren("item")
      .filter((i) => i.attrs.publisher === publisher && !i.getChild("delay", "urn:xmpp:delay"))
      .map((i) => String(i.attrs.id));
  });
}

it(
  `delivers every PEP fix exactly once across ${CYCLES} restarts of the component and of Prosody, ` + `under load`,
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "geo-restarts-"));
    const db = join(dataDir, "geo.sqlite");
    let prosody: Prosody = await startProsody({ dataDir });
    cleanup.push(() => prosody.stop());
    const env = { GEO_MAX_ITEMS: "500" };
    let comp: ComponentProcess = startComponent(prosody, db, env);
    cleanup.push(() => comp.kill9());
    await comp.connected(1);
    for (const name of ["pia", "vic"]) prosody.register(name, "pw");
    const load = startLoad(prosody, 50, "rs-");
    cleanup.push(() => load.stop());

    const notified: Element[] = []; // what every viewer session received, in order
    const clients: TestClient[] = [];
    const login = async (name: string, resource: string) => {
      const c = await connectClient({
        service: prosody.c2sService,
        domain: prosody.domain,
        username: name,
        password: "pw",
        resource,
        pubsub: prosody.component,
        timeoutMs: 10_000,
      });
      clients.push(c);
      cleanup.push(() => c.stop());
      return c;
    };
    /** The map's way: directed presence to the service, then a temporary subscription from the full JID. */
    const viewer = async () => {
      const v = await login("vic", "map");
      v.xmpp.on("stanza", (s: Element) => {
        if (s.is("message")) notified.push(s);
      });
      await v.send(xml("presence", { to: prosody.component }));
      await v.iq("set", pubsub(xml("subscribe", { node: "locations", jid: v.jid })));
      return v;
    };
    /**
     * A user of any XMPP client: shares presence with the service (first time: adds it as a contact), publishes to PEP.
     */
    const pepUser = async (first: boolean) => {
      const u = await login("pia", "phone");
      autoApprove(u);
      await u.send(xml("presence"));
      if (first) await u.send(xml("presence", { to: prosody.component, type: "subscribe" }));
      return u;
    };
    const capsFrom = (u: TestClient) =>
      u.received.filter(
        (s) => s.is("presence") && s.attrs.from === prosody.component && !s.attrs.type && !!s.getChild("c", CAPS),
      ).length;
    /** The service announced its geoloc+notify caps to `u` again: from then on mod_pep sends it u's events. */
    const announced = (u: TestClient, before: number, what: string) =>
      u.waitFor(() => capsFrom(u) > before, `the service's caps presence ${what}`, 30_000);

    let v = await viewer();
    let u = await pepUser(true);
    await announced(u, 0, "at first");
    await pepPublish(u, geoloc({ lat: 50, lon: 10 }), "fix0");
    await v.waitFor(() => arrivals(notified, "pia@localhost").includes("fix0"), "fix0");

    const race = <T>(p: Promise<T>) => Promise.race([p, load.failed]);
    for (let k = 1; k <= CYCLES; k++) {
      const kind = KINDS[(k - 1) % KINDS.length];
      const caps = capsFrom(u);
      if (kind === "Prosody restart") {
        const ports = {
          c2sPort: prosody.c2sPort,
          componentPort: prosody.componentPort,
          httpPort: prosody.httpPort,
          componentSecret: prosody.componentSecret,
        };
        const connections = comp
          .output()
          .split("\n")
          .filter((l) => l.includes(" connected to ")).length;
        await prosody.stop();
        prosody = await startProsody({ dataDir, ...ports });
        await race(comp.connected(connections + 1));
        // the users' sessions ended with Prosody: they log in again (the roster keeps pia's subscription)
        v = await viewer();
        u = await pepUser(false);
        await race(announced(u, 0, `after ${kind} #${k}`));
      } else {
        if (kind === "component stop") await comp.stop();
        else await comp.kill9();
        comp = startComponent(prosody, db, env);
        await race(comp.connected(1));
        await race(announced(u, caps, `after ${kind} #${k}`));
      }
      const id = `fix${k}`;
      await race(pepPublish(u, geoloc({ lat: 50 + k / 100, lon: 10 }), id));
      await race(
        v.waitFor(() => arrivals(notified, "pia@localhost").includes(id), `${id} after ${kind} #${k}`, 15_000),
      );
    }

    const stats = await load.stop();
    // every PEP fix arrived once, in order; none came twice (mod_pep's resend of the last one is a repeat)
    expect(arrivals(notified, "pia@localhost")).toEqual(Array.from({ length: CYCLES + 1 }, (_, k) => `fix${k}`));
    expect(lostAcks(load.acks, db)).toEqual([]);
    console.log(
      `${CYCLES} restarts (${KINDS.join(", ")} in turn) under 50 publishers: ` +
        `${load.acks.length} publishes acknowledged, ${stats.failed} failed while the service was down, none lost`,
    );
    expect(comp.output()).not.toMatch(/ error: (?!connect ECONNREFUSED|sending notifications failed)/);
  },
  240_000,
);
