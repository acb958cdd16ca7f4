// Figure 9: digests and areas. N publishers at one fix per second; viewers on `locations` as plain subscribers,
// with 1 s digests (pubsub#digest), or with an area (geo#bbox) holding about half the fixes; the same publishers
// and viewers, the modes taking turns on one freshly started service per round. Reports publish -> viewer latency of
// what arrived, messages and items per viewer per second, bytes per viewer per second, Prosody's and the
// service's CPU, and for areas the fixes delivered outside the box (must be 0).
import type { ChildProcess } from "node:child_process";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { type BenchClient, NS_EVENT, NS_GEOLOC, NS_PUBSUB, publishStanza } from "./clients.ts";
import { stopChild, withCpu } from "./procs.ts";
import { type Figures, quantile } from "./stats.ts";

export type ViewMode = "plain" | "digest" | "area";
/** the bench's fixes (clients.ts publishStanza) lie in lat 48-49, lon 2-2.78: this box holds about half of them */
const BOX = { south: 48, west: 2, north: 48.5, east: 2.8 };

export interface DigestAreaContext {
  figs: Figures;
  service: string;
  publishers: BenchClient[];
  viewers: BenchClient[];
  start: () => Promise<ChildProcess>;
  prosodyPid: number;
  rounds: number;
  seconds: number;
  digestMs: number;
  log: (s: string) => void;
}

const options = (mode: ViewMode, digestMs: number): Record<string, string> | undefined =>
  mode === "digest" ? { "pubsub#digest": "true", "pubsub#digest_frequency": String(digestMs) }
    : mode === "area" ? { "geo#bbox": `${BOX.south},${BOX.west},${BOX.north},${BOX.east}` } : undefined;

function subscribe(service: string, v: BenchClient, mode: ViewMode, digestMs: number, action: "subscribe" | "unsubscribe"): Promise<Element> {
  const o = action === "subscribe" ? options(mode, digestMs) : undefined;
  const pubsub = xml("pubsub", { xmlns: NS_PUBSUB }, xml(action, { node: "locations", jid: v.jid }));
  if (o) {
    pubsub.append(xml("options", {}, xml("x", { xmlns: "jabber:x:data", type: "submit" },
      xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, `${NS_PUBSUB}#subscribe_options`)),
      ...Object.entries(o).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))))));
  }
  return v.iq("set", service, pubsub);
}

/** A fix inside the box: the barrier every mode delivers. */
const barrierStanza = (id: string) => xml("pubsub", { xmlns: NS_PUBSUB }, xml("publish", { node: NS_GEOLOC },
  xml("item", { id }, xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "48.1"), xml("lon", {}, "2.1")))));

interface Round { lat: number[]; items: number; messages: number; bytes: number; outside: number; expected: number }

async function round(c: DigestAreaContext, mode: ViewMode, tag: string): Promise<Round> {
  const sent = new Map<string, number>();
  const r: Round = { lat: [], items: 0, messages: 0, bytes: 0, outside: 0, expected: c.publishers.length * c.seconds * c.viewers.length };
  const barrier = `${tag}-barrier`;
  let seen = 0;
  let done!: () => void;
  const all = new Promise<void>((ok) => { done = ok; });
  for (const v of c.viewers) {
    v.onStanza = (s) => {
      const items = s.is("message") ? s.getChild("event", NS_EVENT)?.getChild("items") : undefined;
      if (!items) return;
      r.messages++;
      r.bytes += s.toString().length; // one string per message: the viewers build trees anyway (xmpp.js)
      for (const it of items.getChildren("item")) {
        if (it.attrs.id === barrier) { if (++seen === c.viewers.length) done(); continue; }
        const t0 = sent.get(it.attrs.id);
        if (t0 === undefined) continue;
        r.items++;
        r.lat.push(performance.now() - t0);
        const lat = Number(it.getChild("geoloc")?.getChildText("lat"));
        if (mode === "area" && !(lat >= BOX.south && lat <= BOX.north)) r.outside++;
      }
    };
  }
  const acks: Promise<unknown>[] = [];
  const timers: NodeJS.Timeout[] = [];
  await new Promise<void>((allOut) => {
    let left = c.publishers.length * c.seconds;
    c.publishers.forEach((p, i) => {
      for (let s = 0; s < c.seconds; s++) {
        timers.push(setTimeout(() => {
          const id = `${tag}-${i}-${s}`;
          sent.set(id, performance.now());
          acks.push(p.iq("set", c.service, publishStanza(id)).catch(() => {}));
          if (--left === 0) allOut();
        }, (i / c.publishers.length) * 1000 + s * 1000));
      }
    });
  });
  await Promise.all(acks);
  let t: NodeJS.Timeout | undefined;
  try {
    await Promise.race([all, new Promise((_, fail) => { t = setTimeout(() => fail(new Error(`${tag}: the barrier reached ${seen}/${c.viewers.length} viewers in 60 s`)), 60_000); }),
      c.publishers[0].iq("set", c.service, barrierStanza(barrier)).then(() => all)]);
  } finally {
    clearTimeout(t);
    timers.forEach(clearTimeout);
    for (const v of c.viewers) v.onStanza = () => {};
  }
  return r;
}

export async function digestAreaFigures(c: DigestAreaContext): Promise<void> {
  const modes: ViewMode[] = ["plain", "digest", "area"];
  const acc = new Map(modes.map((m) => [m, { p50: [] as number[], p99: [] as number[], items: [] as number[], messages: [] as number[], bytes: [] as number[], outside: [] as number[], prosody: [] as number[], component: [] as number[], share: [] as number[] }]));
  for (let r = 0; r < c.rounds; r++) {
    for (const mode of [...modes.slice(r % 3), ...modes.slice(0, r % 3)]) {
      const child = await c.start();
      try {
        await Promise.all(c.publishers.map((p) => p.iq("set", c.service, publishStanza(`first-${p.bare}-${r}-${mode}`))));
        await Promise.all(c.viewers.map((v) => subscribe(c.service, v, mode, c.digestMs, "subscribe")));
        const tag = `da${r}-${mode}`;
        const { result: x, cpu } = await withCpu({ Prosody: c.prosodyPid, component: child.pid }, () => round(c, mode, tag));
        await Promise.all(c.viewers.map((v) => subscribe(c.service, v, mode, c.digestMs, "unsubscribe")));
        const a = acc.get(mode)!;
        const perViewerSec = c.viewers.length * c.seconds;
        a.p50.push(quantile(x.lat, 0.5)); a.p99.push(quantile(x.lat, 0.99));
        a.items.push(x.items / perViewerSec); a.messages.push(x.messages / perViewerSec); a.bytes.push(x.bytes / perViewerSec);
        a.outside.push(x.outside); a.prosody.push(cpu.Prosody); a.component.push(cpu.component); a.share.push((100 * x.items) / x.expected);
        c.log(`9 ${mode} round ${r + 1}/${c.rounds}: ${x.items}/${x.expected} fixes in ${x.messages} messages, p99 ${quantile(x.lat, 0.99).toFixed(1)} ms, Prosody ${cpu.Prosody.toFixed(0)}%`);
      } finally {
        await stopChild(child);
      }
    }
  }
  const s9 = `9 digests and areas: ${c.publishers.length} pub x 1/s, ${c.viewers.length} viewers on locations, ${c.seconds} s per round, digest ${c.digestMs} ms`;
  for (const [mode, a] of acc) {
    c.figs.add(s9, `${mode}: latency p50`, a.p50, "ms", "of the fixes that arrived");
    c.figs.add(s9, `${mode}: latency p99`, a.p99, "ms", mode === "digest" ? `target <= ${c.digestMs + 50} ms` : undefined);
    c.figs.add(s9, `${mode}: fixes received per viewer`, a.items, "/s", mode === "plain" ? "all" : mode === "digest" ? "the newest per publisher per period" : "inside the box");
    c.figs.add(s9, `${mode}: share of all fixes received`, a.share, "%");
    c.figs.add(s9, `${mode}: messages per viewer`, a.messages, "/s");
    c.figs.add(s9, `${mode}: bytes per viewer`, a.bytes, "B/s", "characters of the stanzas as received");
    c.figs.add(s9, `${mode}: Prosody CPU`, a.prosody, "% core");
    c.figs.add(s9, `${mode}: service CPU`, a.component, "% core");
    if (mode === "area") c.figs.add(s9, "area: fixes delivered outside the box", a.outside, "", "must be 0");
  }
}
