// Figure 8: the three ways to publish (README "Three ways to publish"), one fix at a time, publish -> viewer on
// `locations`: to the service; to one's own PEP node, which the service ingests (XEP-0163 notification to the
// service as a contact); and to the service in mirror mode (it also writes the fix onto the user's PEP node through
// XEP-0356). Each on a private Prosody with the service in process; mirror mode needs its own Prosody config.
import { xml } from "@xmpp/client";
import { geoloc, isEvent, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { autoApprove, pepPublish } from "../support/pep.ts";
import { startStack } from "../support/stack.ts";

export type PublishPath = "to the service" | "to one's own PEP node (ingested)" | "to the service, mirror mode";

async function oneAtATime(
  viewer: TestClient,
  label: string,
  from: TestClient,
  n: number,
  publish: (i: number, id: string) => Promise<unknown>,
): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${label}-${i}`;
    const t0 = performance.now();
    const got = viewer.waitFor((m) => isEvent(m, from.bare, (it) => it.attrs.id === id), id);
    await publish(i, id);
    await got;
    lat.push(performance.now() - t0);
  }
  return lat;
}

/** Per path, one latency list per round (`n` fixes each, after an unmeasured warm-up of n/10). */
export async function publishPaths(
  n: number,
  rounds: number,
  log: (s: string) => void,
): Promise<Map<PublishPath, number[][]>> {
  const out = new Map<PublishPath, number[][]>();
  const add = (p: PublishPath, lat: number[]) => out.set(p, [...(out.get(p) ?? []), lat]);
  for (const mirror of [false, true]) {
    const stack = await startStack({ prosody: { mirror } });
    try {
      const viewer = await stack.viewer("w");
      await viewer.iq("set", pubsub(xml("subscribe", { node: "locations", jid: viewer.jid })));
      const direct = await stack.user("direct");
      await direct.send(xml("presence", { to: stack.componentJid }));
      const toService = (i: number, id: string) =>
        direct.iq("set", publishEl(geoloc({ lat: i % 90, lon: 1 }), undefined, id));
      const peppy = mirror ? undefined : await stack.user("peppy");
      if (peppy) {
        // a standard client: the service as a contact, geoloc+notify in its caps (the service asks, it approves)
        autoApprove(peppy);
        await peppy.send(xml("presence"));
        await peppy.send(xml("presence", { to: stack.componentJid, type: "subscribe" }));
        await pepPublish(peppy, geoloc({ lat: 0, lon: 0 }), "warm");
        await viewer.waitFor((m) => isEvent(m, peppy.bare, (it) => it.attrs.id === "warm"));
      }
      for (let r = 0; r < rounds; r++) {
        await oneAtATime(viewer, `w${r}`, direct, Math.ceil(n / 10), toService);
        add(
          mirror ? "to the service, mirror mode" : "to the service",
          await oneAtATime(viewer, `s${r}`, direct, n, toService),
        );
        if (peppy)
          add(
            "to one's own PEP node (ingested)",
            await oneAtATime(viewer, `p${r}`, peppy, n, (i, id) =>
              pepPublish(peppy, geoloc({ lat: i % 90, lon: 1 }), id),
            ),
          );
        log(`publish paths${mirror ? " (mirror mode)" : ""}: round ${r + 1}/${rounds}`);
      }
    } finally {
      await stack.stop();
    }
  }
  return out;
}
