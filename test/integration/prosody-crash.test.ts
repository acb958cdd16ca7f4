// Prosody crashes (SIGKILL: it tells nobody that its sessions end) and comes back. The component reconnects, learns
// from the server's uptime that it restarted, and shows offline every session that did not come back: a publisher
// is never left "online" by a crash. Real Prosody, the component as an operator runs it.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { connectClient, geoloc, NS_EVENT, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startComponent } from "../support/component-process.ts";

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

async function login(p: Prosody, username: string, resource: string): Promise<TestClient> {
  const c = await connectClient({
    service: p.c2sService,
    domain: p.domain,
    username,
    password: "pw",
    resource,
    pubsub: p.component,
  });
  cleanup.push(() => c.stop());
  return c;
}

/** The presence items of `jid` in a notification on node `presence` (several may share one message). */
const presencesIn = (s: Element, jid: string) =>
  (s.getChild("event", NS_EVENT)?.getChild("items", undefined)?.getChildren("item") ?? [])
    .filter((i) => i.attrs.id === jid && i.parent?.attrs.node === "presence")
    .map((i) => i.getChild("presence", "jabber:client"));
const online = (jid: string) => (s: Element) => presencesIn(s, jid).some((p) => !!p && p.attrs.type === undefined);

it(
  "shows offline the sessions that ended in a Prosody crash, " +
    "and ends their temporary subscriptions (XEP-0060 §12.5)",
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "geo-crash-"));
    const first = await startProsody({ dataDir });
    const holder = { prosody: first };
    cleanup.push(() => holder.prosody.stop());
    const comp = startComponent(first, join(dataDir, "geo.sqlite"));
    cleanup.push(() => comp.kill9());
    await comp.connected(1);
    for (const name of ["alice", "bob", "vic", "pat"]) first.register(name, "pw");

    // pat watches `presence` with a persistent subscription; vic watches `locations` from a full JID that sent the
    // service presence (a temporary subscription, as the map makes); alice and bob publish and are online
    const pat = await login(first, "pat", "desk");
    await pat.send(xml("presence")); // RFC 6121 §8.5.2: headlines to the bare JID reach available resources
    await pat.iq("set", pubsub(xml("subscribe", { node: "presence", jid: pat.bare })));
    const vic = await login(first, "vic", "map1");
    await vic.send(xml("presence", { to: first.component }));
    await vic.iq("set", pubsub(xml("subscribe", { node: "locations", jid: vic.jid })));
    for (const name of ["alice", "bob"]) {
      const c = await login(first, name, "phone");
      await c.send(xml("presence", { to: first.component }));
      await c.iq("set", publishEl(geoloc({ lat: 48, lon: 11 })));
      await pat.waitFor(online(`${name}@localhost`), `${name} online`);
    }

    await first.kill9();
    holder.prosody = await startProsody({
      dataDir,
      c2sPort: first.c2sPort,
      componentPort: first.componentPort,
      httpPort: first.httpPort,
      componentSecret: first.componentSecret,
    });
    const second = holder.prosody;
    await comp.connected(2);
    // alice's, bob's and vic's sessions ended without a word; the component knew them (pat never sent it presence)
    await comp.logged("restarted while the service was away");
    // told by the uptime, or (within its one-second resolution) by asking each session, which the restarted Prosody
    // answers for as gone (RFC 6121 §8.5.3.1)
    const away = /while the service was away \(up \d+ s, the service was away \d+ s\)/.source;
    const restarted = `localhost restarted ${away}: 3 sessions it had then are offline now`;
    const pinged =
      `localhost may have restarted ${away}: ` +
      /asked the 3 sessions known from before \(XEP-0199 ping\); 0 answered and stay online, 3 are offline now/.source;
    expect(comp.output()).toMatch(new RegExp(`${restarted}|${pinged}`));

    // bob comes back, alice does not
    const pat2 = await login(second, "pat", "desk");
    await pat2.send(xml("presence"));
    const bob = await login(second, "bob", "phone2");
    await bob.send(xml("presence", { to: second.component }));
    await pat2.waitFor(online("bob@localhost"), "bob online again");

    const snapshot = await pat2.iq("get", pubsub(xml("items", { node: "presence" })));
    const state = new Map(
      snapshot
        .getChild("pubsub")!
        .getChild("items")!
        .getChildren("item")
        .map((i) => [String(i.attrs.id), i.getChild("presence", "jabber:client")!.attrs.type ?? "available"]),
    );
    expect(Object.fromEntries(state)).toEqual({ "alice@localhost": "unavailable", "bob@localhost": "available" });

    // vic's temporary subscription ended with its session; its persistent ones (none) are all that is left
    const vic2 = await login(second, "vic", "map2");
    const subs = await vic2.iq("get", pubsub(xml("subscriptions")));
    expect(
      subs
        .getChild("pubsub")!
        .getChild("subscriptions")!
        .getChildren("subscription")
        .map((s) => s.attrs.jid),
    ).toEqual([]);
    expect(comp.output()).not.toMatch(/ error: (?!connect ECONNREFUSED|sending notifications failed)/);
  },
  60_000,
);
