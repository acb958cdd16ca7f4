// Publish -> notification runs: publishes for a fixed time with a shared in-flight window, counting every
// viewer notification (no sleeping). Works for the service, PEP and the pass-through (only `to` differs).
import { xml } from "@xmpp/client";
import { type BenchClient, NS_GEOLOC, NS_PUBSUB, eventItemIds, publishStanza } from "./clients.ts";

export interface RunResult {
  publishesPerSec: number;
  notificationsPerSec: number;
  /** publish sent -> notification received, ms, one per notification */
  latencies: number[];
}

let runNo = 0;

/**
 * Publishes for `seconds` (spread over `publishers`, at most `inFlight` unanswered at once), then stops issuing and
 * resolves when every publish is acknowledged and every viewer got every notification. Time-boxed, so that every arm
 * of a comparison runs equally long whatever its rate (a count-boxed round is over in under a second for the fast
 * arms, before a freshly started component's JIT has settled). `to` undefined = the publisher's own PEP.
 */
export async function drive(
  publishers: BenchClient[],
  viewers: BenchClient[],
  seconds: number,
  inFlight: number,
  to: string | undefined,
  timeoutMs = 120_000,
): Promise<RunResult> {
  const tag = `r${++runNo}-`;
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let expected = Infinity; // known once the last publish is issued
  let received = 0;
  let lastAt = 0;
  let allIn!: () => void;
  const notified = new Promise<void>((r) => {
    allIn = r;
  });
  for (const v of viewers) {
    v.onStanza = (s) => {
      for (const id of eventItemIds(s)) {
        const t0 = sent.get(id);
        if (t0 === undefined) continue; // not this run (e.g. a replayed last item)
        const now = performance.now();
        latencies.push(now - t0);
        lastAt = now;
        if (++received === expected) allIn();
      }
    };
  }
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let next = 0;
  let ackedAt = start;
  const worker = async () => {
    while (performance.now() < deadline) {
      const k = next++;
      const id = `${tag}${k}`;
      const p = publishers[k % publishers.length];
      sent.set(id, performance.now());
      await p.iq("set", to, publishStanza(id));
      ackedAt = performance.now();
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () =>
        fail(
          new Error(
            `run ${tag}: ${received}/${expected === Infinity ? `${next * viewers.length}+` : expected} ` +
              `notifications after ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      Promise.all(Array.from({ length: inFlight }, worker)).then(() => {
        expected = next * viewers.length;
        if (received === expected) allIn();
        return notified;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    for (const v of viewers) v.onStanza = () => {};
  }
  const end = Math.max(ackedAt, lastAt);
  return {
    publishesPerSec: next / ((ackedAt - start) / 1000),
    notificationsPerSec: expected / ((end - start) / 1000),
    latencies,
  };
}

/**
 * PEP setup: an open geoloc node per publisher (publish-options), then an explicit XEP-0060 subscription per
 * viewer.
 */
export async function pepSubscribe(publishers: BenchClient[], viewers: BenchClient[]): Promise<void> {
  const field = (v: string, val: string, type?: string) =>
    xml("field", type ? { var: v, type } : { var: v }, xml("value", {}, val));
  const options = xml(
    "publish-options",
    {},
    xml(
      "x",
      { xmlns: "jabber:x:data", type: "submit" },
      field("FORM_TYPE", `${NS_PUBSUB}#publish-options`, "hidden"),
      field("pubsub#access_model", "open"),
    ),
  );
  for (const p of publishers) {
    const el = publishStanza(`setup-${p.bare}`);
    el.append(options);
    await p.iq("set", undefined, el);
  }
  await Promise.all(
    viewers.flatMap((v) =>
      publishers.map((p) =>
        v.iq("set", p.bare, xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscribe", { node: NS_GEOLOC, jid: v.jid }))),
      ),
    ),
  );
}

export async function pepUnsubscribe(publishers: BenchClient[], viewers: BenchClient[]): Promise<void> {
  await Promise.all(
    viewers.flatMap((v) =>
      publishers.map((p) =>
        v.iq("set", p.bare, xml("pubsub", { xmlns: NS_PUBSUB }, xml("unsubscribe", { node: NS_GEOLOC, jid: v.jid }))),
      ),
    ),
  );
}

/** Service setup: each viewer subscribes its full JID to `node` (no presence sent: a persistent subscription). */
export async function serviceSubscribe(
  service: string,
  viewers: BenchClient[],
  node = "locations",
  action: "subscribe" | "unsubscribe" = "subscribe",
): Promise<void> {
  await Promise.all(
    viewers.map((v) => v.iq("set", service, xml("pubsub", { xmlns: NS_PUBSUB }, xml(action, { node, jid: v.jid })))),
  );
}

/**
 * One publish in the system at a time: the next is sent only when the previous one is acknowledged and every viewer
 * has its notification, so no publish queues behind another (the service acknowledges before it notifies, the
 * pass-through after; a plain 1-in-flight window would let the next publish overlap the service's fan-out).
 * Returns publish sent -> notification received, one per notification.
 */
export async function oneAtATime(
  publisher: BenchClient,
  viewers: BenchClient[],
  total: number,
  to: string,
  timeoutMs = 10_000,
): Promise<number[]> {
  const latencies: number[] = [];
  const tag = `s${++runNo}-`;
  try {
    for (let k = 0; k < total; k++) {
      const id = `${tag}${k}`;
      let got = 0;
      let t0 = 0;
      let timer: NodeJS.Timeout | undefined;
      const all = new Promise<void>((ok, fail) => {
        timer = setTimeout(
          () => fail(new Error(`publish ${id}: ${got}/${viewers.length} notifications after ${timeoutMs} ms`)),
          timeoutMs,
        );
        for (const v of viewers) {
          v.onStanza = (s) => {
            if (!eventItemIds(s).includes(id)) return;
            latencies.push(performance.now() - t0);
            if (++got === viewers.length) ok();
          };
        }
      });
      t0 = performance.now();
      try {
        await Promise.all([publisher.iq("set", to, publishStanza(id)), all]);
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    for (const v of viewers) v.onStanza = () => {};
  }
  return latencies;
}
