// A pass-through component: the floor a pubsub component cannot beat on this Prosody. It answers every publish IQ
// and forwards the item as a headline event to the full JIDs that subscribed: no validation, no access check, no
// presence, no store. Run as a child: PT_SERVICE, PT_DOMAIN, PT_SECRET.
import { component } from "@xmpp/component";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";

const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
const NS_EVENT = "http://jabber.org/protocol/pubsub#event";
const env = (k: string) => {
  const v = process.env[k];
  if (v === undefined) {
    console.error(`passthrough: ${k} is not set`);
    process.exit(2);
  }
  return v;
};
const domain = env("PT_DOMAIN");
// PT_BATCH=1: the batched pass-through, the limit of the service's rule (component/src/protocol/events.ts): what one
// viewer gets in one event-loop turn leaves in one write, consecutive items of one node in one message
const batched = process.env.PT_BATCH === "1";
// PT_DIGEST_MS=N: the digest pass-through (issue 19's throwaway, kept as figure 9's baseline): per viewer the newest
// item of each publisher, one <items node='locations'> per viewer every N ms from its subscribe, split at 64 KiB
const digestMs = process.env.PT_DIGEST_MS === undefined ? undefined : Number(process.env.PT_DIGEST_MS);
const digests = new Map<string, { pending: Map<string, string>; timer: NodeJS.Timeout }>();
function startDigest(to: string): void {
  if (digestMs === undefined || digests.has(to)) return;
  const d = {
    pending: new Map<string, string>(),
    timer: setInterval(() => {
      if (!d.pending.size) return;
      const out: string[] = [];
      let part: string[] = [],
        size = 0;
      const close = () => {
        if (part.length)
          out.push(
            `<message type='headline' from='${domain}' to='${to}'><event xmlns='${NS_EVENT}'>` +
              `<items node='locations'>${part.join("")}</items></event></message>`,
          );
        part = [];
        size = 0;
      };
      for (const item of d.pending.values()) {
        if (size + item.length > 64 * 1024 - 512) close();
        part.push(item);
        size += item.length;
      }
      close();
      d.pending.clear();
      void (entity as unknown as { write(s: string): Promise<void> }).write(out.join(""));
    }, digestMs),
  };
  digests.set(to, d);
}
function stopDigest(to: string): void {
  clearInterval(digests.get(to)?.timer);
  digests.delete(to);
}
let turn: Array<{ to: string; node: string; item: string }> = [];
let scheduled = false;
function flushTurn(): void {
  scheduled = false;
  const open = new Map<string, { node: string; parts: string[] }>();
  const messages: Array<{ to: string; node: string; parts: string[] }> = [];
  for (const n of turn) {
    const cur = open.get(n.to);
    if (cur && cur.node === n.node) {
      cur.parts.push(n.item);
      continue;
    }
    const m = { to: n.to, node: n.node, parts: [n.item] };
    messages.push(m);
    open.set(n.to, m);
  }
  turn = [];
  const out = messages.map(
    (m) =>
      `<message type='headline' from='${domain}' to='${m.to}'><event xmlns='${NS_EVENT}'>` +
      `<items node='${m.node}'>${m.parts.join("")}</items></event></message>`,
  );
  void (entity as unknown as { write(s: string): Promise<void> }).write(out.join(""));
}
const viewers = new Set<string>();
// the digest pass-through honours a geo#bbox subscription option (figure 10's area viewers): a viewer gets only the
// items whose lat/lon lie inside its box (south,west,north,east; no antimeridian), checked per viewer per publish
const boxes = new Map<string, number[]>();
function boxOf(pubsub: Element): number[] | undefined {
  const field = pubsub
    .getChild("options")
    ?.getChild("x")
    ?.getChildren("field")
    .find((f) => f.attrs.var === "geo#bbox");
  const v = field?.getChildText("value");
  return v ? v.split(",").map(Number) : undefined;
}
const entity = component({ service: env("PT_SERVICE"), domain, password: env("PT_SECRET") });
entity.on("error", (e: Error) => console.error(`passthrough: ${e.message}`));
entity.on("online", () => console.log(`passthrough online as ${domain}`));
// the same socket settings as the service (component/src/xmpp/connection.ts): stream decoding, Nagle off
entity.on("connect", () =>
  (entity as unknown as { socket?: { setEncoding(e: string): { setNoDelay(on: boolean): void } } }).socket
    ?.setEncoding("utf8")
    .setNoDelay(true),
);

entity.iqCallee.set(NS_PUBSUB, "pubsub", (ctx: { stanza: Element; element: Element }) => {
  const sub = ctx.element.getChild("subscribe") ?? ctx.element.getChild("unsubscribe");
  if (sub) {
    const jid = String(sub.attrs.jid);
    const box = boxOf(ctx.element);
    if (box) boxes.set(jid, box);
    else boxes.delete(jid);
    if (sub.name === "subscribe") {
      viewers.add(jid);
      startDigest(jid);
    } else {
      viewers.delete(jid);
      stopDigest(jid);
    }
    return sub.name === "subscribe"
      ? xml(
          "pubsub",
          { xmlns: NS_PUBSUB },
          xml("subscription", { node: sub.attrs.node, jid, subscription: "subscribed" }),
        )
      : (true as unknown as Element);
  }
  const publish = ctx.element.getChild("publish");
  const item = publish?.getChild("item");
  const from = (ctx.stanza.attrs.from as string).split("/")[0];
  if (item) {
    const fwd = xml("item", { id: item.attrs.id, publisher: from }, ...item.getChildElements());
    if (digestMs !== undefined) {
      const x = fwd.toString();
      const geo = item.getChild("geoloc");
      const lat = Number(geo?.getChildText("lat")),
        lon = Number(geo?.getChildText("lon"));
      for (const to of viewers) {
        const b = boxes.get(to);
        if (b && !(lat >= b[0] && lat <= b[2] && lon >= b[1] && lon <= b[3])) continue;
        digests.get(to)?.pending.set(from, x);
      }
    } else if (batched) {
      const x = fwd.toString();
      for (const to of viewers) turn.push({ to, node: from, item: x });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushTurn);
      }
    } else {
      // one socket write per publish, as the service's outbox writes one batch per event-loop turn
      const out = [...viewers].map((to) =>
        xml(
          "message",
          { type: "headline", from: domain, to },
          xml("event", { xmlns: NS_EVENT }, xml("items", { node: from }, fwd)),
        ).toString(),
      );
      void (entity as unknown as { write(s: string): Promise<void> }).write(out.join(""));
    }
  }
  return xml(
    "pubsub",
    { xmlns: NS_PUBSUB },
    xml("publish", { node: publish?.attrs.node }, xml("item", { id: item?.attrs.id })),
  );
});

const stop = async () => {
  entity.reconnect.stop();
  try {
    await entity.stop();
  } catch {
    /* gone */
  }
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
entity.start().catch((e: Error) => {
  console.error(`passthrough: ${e.message}`);
  process.exit(1);
});
