// Offline detection: a publisher's session ends (socket destroyed, or a clean </stream>) -> the viewers' `presence`
// notification saying unavailable. Publishers announce themselves with directed presence to the service.
import { xml } from "@xmpp/client";
import { type BenchClient, type Target, NS_EVENT, connectBench, publishStanza } from "./clients.ts";

/** Connects `names`, sends directed presence, publishes once, and waits until every viewer saw them online. */
export async function bringOnline(t: Target, names: string[], viewers: BenchClient[]): Promise<BenchClient[]> {
  const want = new Set(names.map((n) => `${n}@${t.domain}`));
  const seen = viewers.map(() => new Set<string>());
  const ready = Promise.all(
    viewers.map(
      (v, k) =>
        new Promise<void>((r) => {
          v.onStanza = (s) => {
            for (const [jid, type] of presenceItems(s)) if (type === "available" && want.has(jid)) seen[k].add(jid);
            if (seen[k].size === want.size) r();
          };
        }),
    ),
  );
  const pubs = await Promise.all(names.map((n) => connectBench(t, n, "phone")));
  await Promise.all(
    pubs.map(async (p) => {
      await p.send(xml("presence", { to: t.component }));
      await p.iq("set", t.component, publishStanza(`on-${p.bare}-${Date.now()}`));
    }),
  );
  await withTimeout(ready, 30_000, "publishers online at the viewers");
  return pubs;
}

/** Ends every session (drop or clean) and returns the ms until each viewer learned of each. */
export async function measureOffline(
  pubs: BenchClient[],
  viewers: BenchClient[],
  how: "drop" | "clean",
): Promise<number[]> {
  const endedAt = new Map<string, number>();
  const lat: number[] = [];
  const expected = pubs.length * viewers.length;
  let done!: () => void;
  const all = new Promise<void>((r) => {
    done = r;
  });
  for (const v of viewers) {
    v.onStanza = (s) => {
      for (const [jid, type] of presenceItems(s)) {
        const t0 = endedAt.get(jid);
        if (type !== "unavailable" || t0 === undefined) continue;
        lat.push(performance.now() - t0);
        if (lat.length === expected) done();
      }
    };
  }
  for (const p of pubs) {
    endedAt.set(p.bare, performance.now());
    if (how === "drop") p.drop();
    else void p.stop();
  }
  await withTimeout(all, 30_000, `${how} offline notifications (${lat.length}/${expected})`);
  for (const v of viewers) v.onStanza = () => {};
  if (how === "drop") await Promise.all(pubs.map((p) => p.stop()));
  return lat;
}

/** [bare JID, "available" | "unavailable"] of each item of a `presence` node notification */
function presenceItems(s: import("@xmpp/xml").Element): Array<[string, string]> {
  const items = s.is("message") ? s.getChild("event", NS_EVENT)?.getChild("items") : undefined;
  if (!items || items.attrs.node !== "presence") return [];
  return items
    .getChildren("item")
    .map((i) => [
      i.attrs.id as string,
      i.getChild("presence")?.attrs.type === "unavailable" ? "unavailable" : "available",
    ]);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, f) => {
        t = setTimeout(() => f(new Error(`timed out: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}
