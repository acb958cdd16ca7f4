// Figure 9: digests and areas. N publishers at one fix per second; viewers on `locations` as plain subscribers,
// with 1 s digests (pubsub#digest), with an area (geo#bbox) holding about half the fixes, or (cities) publishers
// spread over 20 cities and each viewer on one city's area with 1 s digests; the same publishers
// and viewers, the modes taking turns on one freshly started service per round. Reports publish -> viewer latency of
// what arrived, messages and items per viewer per second, bytes per viewer per second, Prosody's and the
// service's CPU, and for areas the fixes delivered outside the box (must be 0).
import type { ChildProcess } from "node:child_process";
import type { Element } from "@xmpp/xml";
import { BOX, barrierStanza, CITIES, cityFix, fixOf, subscribePubsub, type ViewMode } from "./area-modes.ts";
import { type BenchClient, NS_EVENT, publishStanza } from "./clients.ts";
import { childLog, stopChild, withCpu } from "./procs.ts";
import { type Figures, quantile } from "./stats.ts";

export type { ViewMode } from "./area-modes.ts";

export interface DigestAreaContext {
  figs: Figures;
  service: string;
  publishers: BenchClient[];
  viewers: BenchClient[];
  /** the cities mode's viewers (the 100) */
  cityViewers: BenchClient[];
  start: () => Promise<ChildProcess>;
  /** the digest pass-through (test/bench/passthrough.ts, PT_DIGEST_MS): the baseline of the digest mode */
  startDigestPassThrough: () => Promise<ChildProcess>;
  prosodyPid: number;
  rounds: number;
  seconds: number;
  digestMs: number;
  log: (s: string) => void;
}

function subscribe(
  service: string,
  v: BenchClient,
  j: number,
  mode: ViewMode,
  digestMs: number,
  action: "subscribe" | "unsubscribe",
): Promise<Element> {
  return v.iq("set", service, subscribePubsub(v.jid, j, mode, digestMs, action));
}

interface Round {
  lat: number[];
  items: number;
  messages: number;
  bytes: number;
  outside: number;
  expected: number;
}

const viewersOf = (c: DigestAreaContext, mode: ViewMode) => (mode === "cities" ? c.cityViewers : c.viewers);

async function round(c: DigestAreaContext, mode: ViewMode, tag: string): Promise<Round> {
  if (mode === "cities" && c.publishers.length < CITIES)
    throw new Error(`figure 9: the cities mode needs at least ${CITIES} publishers`);
  const viewers = viewersOf(c, mode);
  const sent = new Map<string, number>();
  // what a viewer may receive: every fix, or (cities) those of its own city
  const ofCity = (i: number, j: number) => mode !== "cities" || i % CITIES === j % CITIES;
  const watched = (j: number) => c.publishers.filter((_, i) => ofCity(i, j)).length;
  const r: Round = {
    lat: [],
    items: 0,
    messages: 0,
    bytes: 0,
    outside: 0,
    expected: viewers.reduce((a, _, j) => a + watched(j) * c.seconds, 0),
  };
  const barrier = `${tag}-barrier`;
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((ok) => {
    done = ok;
  });
  const cityOf = new Map<string, number>();
  viewers.forEach((v, j) => {
    v.onStanza = (s) => {
      const items = s.is("message") ? s.getChild("event", NS_EVENT)?.getChild("items") : undefined;
      if (!items) return;
      r.messages++;
      r.bytes += s.toString().length; // one string per message: the viewers build trees anyway (xmpp.js)
      for (const it of items.getChildren("item")) {
        if (String(it.attrs.id).startsWith(barrier)) {
          if (++seen === viewers.length) done();
          continue;
        }
        const t0 = sent.get(it.attrs.id);
        if (t0 === undefined) continue;
        r.items++;
        r.lat.push(performance.now() - t0);
        const lat = Number(it.getChild("geoloc")?.getChildText("lat"));
        if (mode === "area" && !(lat >= BOX.south && lat <= BOX.north)) r.outside++;
        if (mode === "cities" && cityOf.get(it.attrs.id) !== j % CITIES) r.outside++;
      }
    };
  });
  const acks: Promise<unknown>[] = [];
  const timers: NodeJS.Timeout[] = [];
  await new Promise<void>((allOut) => {
    let left = c.publishers.length * c.seconds;
    c.publishers.forEach((p, i) => {
      for (let s = 0; s < c.seconds; s++) {
        timers.push(
          setTimeout(
            () => {
              const id = `${tag}-${i}-${s}`;
              sent.set(id, performance.now());
              cityOf.set(id, i % CITIES);
              acks.push(p.iq("set", c.service, fixOf(mode, id, i, i * 1000 + s)).catch(() => {}));
              if (--left === 0) allOut();
            },
            (i / c.publishers.length) * 1000 + s * 1000,
          ),
        );
      }
    });
  });
  await Promise.all(acks);
  let t: NodeJS.Timeout | undefined;
  try {
    // cities: each city's first publisher sends its barrier from its city, which every viewer of that city receives
    const barriers =
      mode === "cities"
        ? c.publishers.slice(0, CITIES).map((p, k) => p.iq("set", c.service, cityFix(`${barrier}-${k}`, k, 0)))
        : [c.publishers[0].iq("set", c.service, barrierStanza(barrier))];
    await Promise.race([
      all,
      new Promise((_, fail) => {
        t = setTimeout(
          () => fail(new Error(`${tag}: the barrier reached ${seen}/${viewers.length} viewers in 60 s`)),
          60_000,
        );
      }),
      Promise.all(barriers).then(() => all),
    ]);
  } finally {
    clearTimeout(t);
    timers.forEach(clearTimeout);
    for (const v of viewers) v.onStanza = () => {};
  }
  return r;
}

export async function digestAreaFigures(c: DigestAreaContext): Promise<void> {
  const modes: ViewMode[] = ["plain", "digest", "digest pass-through", "area", "cities"];
  const acc = new Map(
    modes.map((m) => [
      m,
      {
        p50: [] as number[],
        p99: [] as number[],
        items: [] as number[],
        messages: [] as number[],
        bytes: [] as number[],
        outside: [] as number[],
        prosody: [] as number[],
        component: [] as number[],
        bench: [] as number[],
        share: [] as number[],
        shed: [] as number[],
      },
    ]),
  );
  for (let r = 0; r < c.rounds; r++) {
    for (const mode of [...modes.slice(r % modes.length), ...modes.slice(0, r % modes.length)]) {
      const child = await (mode === "digest pass-through" ? c.startDigestPassThrough() : c.start());
      try {
        await Promise.all(
          c.publishers.map((p) => p.iq("set", c.service, publishStanza(`first-${p.bare}-${r}-${mode}`))),
        );
        const vs = viewersOf(c, mode);
        await Promise.all(vs.map((v, j) => subscribe(c.service, v, j, mode, c.digestMs, "subscribe")));
        const tag = `da${r}-${mode}`;
        const from = childLog(child).length;
        const { result: x, cpu } = await withCpu(
          { Prosody: c.prosodyPid, component: child.pid, bench: undefined },
          () => round(c, mode, tag),
        );
        // the service's bounded outbox reports what it shed as superseded at the end of each overload episode
        const shed = [
          ...childLog(child)
            .slice(from)
            .matchAll(/caught up: (\d+) superseded/g),
        ].reduce((n, m) => n + Number(m[1]), 0);
        await Promise.all(vs.map((v, j) => subscribe(c.service, v, j, mode, c.digestMs, "unsubscribe")));
        const a = acc.get(mode)!;
        const perViewerSec = vs.length * c.seconds;
        a.p50.push(quantile(x.lat, 0.5));
        a.p99.push(quantile(x.lat, 0.99));
        a.items.push(x.items / perViewerSec);
        a.messages.push(x.messages / perViewerSec);
        a.bytes.push(x.bytes / perViewerSec);
        a.outside.push(x.outside);
        a.prosody.push(cpu.Prosody);
        a.component.push(cpu.component);
        a.bench.push(cpu.bench);
        a.shed.push(shed);
        a.share.push((100 * x.items) / x.expected);
        c.log(
          `9 ${mode} round ${r + 1}/${c.rounds}: ${x.items}/${x.expected} fixes in ${x.messages} messages, ` +
            `p99 ${quantile(x.lat, 0.99).toFixed(1)} ms, Prosody ${cpu.Prosody.toFixed(0)}%`,
        );
      } finally {
        await stopChild(child);
      }
    }
  }
  const s9 =
    `9 digests and areas: ${c.publishers.length} pub x 1/s, ` +
    `${c.viewers.length} viewers on locations (cities: ${c.cityViewers.length}), ` +
    `${c.seconds} s per round, digest ${c.digestMs} ms`;
  for (const [mode, a] of acc) {
    c.figs.add(s9, `${mode}: latency p50`, a.p50, "ms", "of the fixes that arrived");
    c.figs.add(
      s9,
      `${mode}: latency p99`,
      a.p99,
      "ms",
      mode === "digest" || mode === "cities" ? `target <= ${c.digestMs + 50} ms` : undefined,
    );
    c.figs.add(
      s9,
      `${mode}: fixes received per viewer`,
      a.items,
      "/s",
      {
        plain: "all",
        digest: "the newest per publisher per period",
        "digest pass-through": "the newest per publisher per period",
        area: "inside the box",
        cities: `its own city of ${CITIES}, on digests`,
      }[mode],
    );
    c.figs.add(s9, `${mode}: share of all fixes received`, a.share, "%");
    if (mode !== "digest pass-through") c.figs.add(s9, `${mode}: locations shed by the outbox`, a.shed, "", "target 0");
    c.figs.add(s9, `${mode}: messages per viewer`, a.messages, "/s");
    c.figs.add(s9, `${mode}: bytes per viewer`, a.bytes, "B/s", "characters of the stanzas as received");
    c.figs.add(s9, `${mode}: Prosody CPU`, a.prosody, "% core");
    c.figs.add(
      s9,
      `${mode}: component CPU`,
      a.component,
      "% core",
      mode === "digest pass-through" ? "the pass-through" : "the service",
    );
    c.figs.add(
      s9,
      `${mode}: the load generator's CPU`,
      a.bench,
      "% core",
      "publishers and viewers (xmpp.js, building trees) in the bench",
    );
    if (mode === "area" || mode === "cities")
      c.figs.add(s9, `${mode}: fixes delivered outside the box`, a.outside, "", "must be 0");
  }
  const svc = acc.get("digest")!,
    pt = acc.get("digest pass-through")!;
  c.figs.add(
    s9,
    "digest: Prosody CPU, service / digest pass-through",
    svc.prosody.map((x, i) => x / pt.prosody[i]),
    "x",
    "same round",
  );
  c.figs.add(
    s9,
    "digest: p99, service - digest pass-through",
    svc.p99.map((x, i) => x - pt.p99[i]),
    "ms",
    "same round",
  );
}
