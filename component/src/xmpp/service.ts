// The shell: wires the core to an @xmpp/component entity. Build and start are separate: createService() wires
// without connecting; main.ts (or a test) calls entity.start().
import type { Component } from "@xmpp/component";
import xml, { type Element } from "@xmpp/xml";
import { randomBytes } from "node:crypto";
import type { Notification } from "../core/model.ts";
import { inAllowedDomain } from "../core/access.ts";
import { GeoService } from "../core/service.ts";
import type { Settings } from "../core/state.ts";
import { hasGroupCommit } from "../core/group-commit.ts";
import { hasReplication } from "../core/replica.ts";
import { hasSharedReads } from "../core/shared-read.ts";
import { StoreUnavailable, type Store } from "../core/store.ts";
import { errorElement } from "../protocol/errors.ts";
import { NS } from "../protocol/ns.ts";
import { readPepEvent, readPrivileges } from "../protocol/pep.ts";
import { handleMessage } from "./authorize.ts";
import { coalesceWrites } from "./coalesce.ts";
import { Digests } from "../core/digest.ts";
import { handleCommand } from "./commands.ts";
import { deadlineTimer } from "./deadline.ts";
import { digestDelivery } from "./digest-timer.ts";
import { discoInfo, discoItemsOf } from "./disco.ts";
import { gatedNotify } from "./gate.ts";
import { ingestPepEvent, newIngestStats, type IngestContext, type IngestStats } from "./ingest.ts";
import { Mirror } from "./mirror.ts";
import { DEFAULT_OUTBOX_LIMITS, Outbox, type OutboxLimits } from "./outbox.ts";
import { confirmSessions } from "./confirm.ts";
import { handlePresence, probeAll, requestSubscription, type PresenceContext } from "./presence.ts";
import { handleOwner, handlePubsub, type HandlerContext } from "./pubsub.ts";
import { askSessions, onSessionAnswer } from "./sessions.ts";
import { replayFromStore, sharedDiscoItems, sharedItems } from "./shared-read.ts";

export interface ServiceOptions {
  entity: Component;
  store: Store;
  settings: Settings;
  clock?: () => number;
  log?: (line: string) => void;
  /** how much the notification outbox may hold (default DEFAULT_OUTBOX_LIMITS) */
  outbox?: Partial<OutboxLimits>;
  /**
   * At the first connection, ask the sessions of stored temporary subscriptions whether they still exist (default
   * true; false with several instances, where each viewer's subscriptions belong to the instance of its slot).
   */
  confirmAtStart?: boolean;
}

export interface RunningService {
  core: GeoService;
  outbox: Outbox;
  /** digest subscriptions' pending changes (core/digest.ts) */
  digests: Digests;
  domain: string;
  /** mirror mode (XEP-0356): what Prosody granted, and the ids written to publishers' PEP nodes */
  mirror: Mirror;
  /** PEP ingest counters */
  pep: IngestStats;
  /**
   * Before a clean stop: unavailable to every user the caps were announced to, so their PEP services stop sending
   * events to a service that is gone (mod_pep forgets a contact on its unavailable presence).
   */
  farewell(): Promise<void>;
  /** pings these full JIDs; whichever instance serves each user handles its answer (./sessions.ts) */
  askSessions(jids: readonly string[]): void;
}

const newId = () => randomBytes(9).toString("base64url");
// iq/callee turns a falsy handler result into service-unavailable; `true` means "empty result".
const EMPTY_RESULT = true as unknown as Element;

export function createService({ entity, store, settings, clock = Date.now, log = () => {}, outbox: limits, confirmAtStart = true }: ServiceOptions): RunningService {
  const domain = entity.options.domain;
  const core = new GeoService(store, settings, newId);
  const outbox = new Outbox(entity, domain, (e) => log(`error: sending notifications failed: ${e.message}`), { ...DEFAULT_OUTBOX_LIMITS, ...limits }, (e) => log(e.phase === "shedding"
    ? `warning: notifications are made faster than Prosody takes them (${e.queued} waiting): dropping superseded locations, every viewer keeps each publisher's newest`
    : `notifications caught up: ${e.shed} superseded locations were dropped`));
  const durable = hasGroupCommit(store) ? store : undefined;
  // digest subscriptions (XEP-0060 §6.3) are gathered after the commit, before the outbox
  const digests = new Digests(core);
  const delivery = digestDelivery(digests, outbox, clock);
  const notify = durable ? gatedNotify(durable, delivery, core) : (n: readonly Notification[]) => delivery.push(n);
  const mirror = new Mirror(entity, settings.domains, log);
  // geo#share_until: one timer for the next deadline; at the deadline viewers are told and the PEP mirror stops too
  const deadlines = deadlineTimer(core, clock, notify, (owner, item) => mirror.write(owner, item));
  durable?.onRollback((names, fresh) => {
    core.restore(names, fresh);
    deadlines.check(); // share_until as the stored configuration has it
    log(`error: a commit failed; ${names.length} node(s) set back to their stored state`);
  });
  durable?.rememberFrom?.((name) => core.snapshot(name));
  // several instances on one PostgreSQL: other instances' node and subscription changes (core/replica.ts)
  // (then share_until again: another instance may have set, moved or cleared a deadline)
  if (hasReplication(store)) store.onRemoteChange((c) => { core.applyRemote(c); deadlines.check(); });
  const send = (el: Element) => void entity.send(el).catch((e: Error) => log(`error: send failed: ${e.message}`));
  const presenceCtx: PresenceContext = { core, domain, now: clock, notify, send, announced: new Set(), unconfirmed: new Set() };
  const ctx: HandlerContext = {
    core, now: clock, notify,
    created: (jid) => { requestSubscription(presenceCtx, jid); deadlines.check(); },
    deadlines: () => deadlines.check(),
    read: (viewer, publishers) => core.recordReads(viewer, publishers, clock()),
    optionsChanged: () => delivery.poke(),
    accepted: (owner, item) => mirror.write(owner, item), // fixes published to the service; never ingested ones
  };
  const pep = newIngestStats();
  const ingestCtx: IngestContext = { core, now: clock, notify, mirrored: mirror.recent, log };

  // RFC 6120 §8.3.3.18: the service lacks the resources (storage) right now; type wait = retry later.
  // The core wrote nothing and changed nothing (durable first), so a retry is safe.
  const STORE_DOWN = { condition: "resource-constraint", text: "storage is unavailable; nothing was changed, try again later" } as const;
  const storeDown = (e: StoreUnavailable) => {
    log(`error: ${e.message}`);
    return errorElement(STORE_DOWN);
  };
  type Handler = (from: string, el: Element) => Element | undefined | Promise<Element | undefined>;
  const route = (type: "get" | "set", ns: string, name: string, handler: Handler) =>
    entity.iqCallee[type](ns, name, (c) => {
      const before = durable?.recorded;
      let reply: Element;
      try {
        const r = handler(String(c.stanza.attrs.from), c.element);
        // a read served from the shared store (xmpp/shared-read.ts): it writes nothing
        if (r instanceof Promise) return r.then((x) => x ?? EMPTY_RESULT, (e: unknown) => { if (e instanceof StoreUnavailable) return storeDown(e); throw e; });
        reply = r ?? EMPTY_RESULT;
      } catch (e) {
        if (!(e instanceof StoreUnavailable)) throw e; // a bug: iq-callee answers internal-server-error
        return storeDown(e);
      }
      if (!durable) return reply;
      // group commit: the reply leaves once what was recorded before it is durable; if this IQ's own writes failed
      // to commit, memory was set back (onRollback) and it is answered as if the store had refused at once
      const wrote = durable.recorded !== before;
      return durable.commit().then(() => reply, (e: unknown) => {
        if (!wrote) return reply;
        return storeDown(e instanceof StoreUnavailable ? e : new StoreUnavailable(String(e)));
      });
    });

  // several instances: reads of items and disco#items from PostgreSQL, after this instance's own pending commit
  const shared = durable && hasSharedReads(store) ? { store, durable, settings, ctx } : undefined;
  const replayCtx = shared && { ...ctx, notify: replayFromStore(shared, notify) };
  for (const type of ["get", "set"] as const) {
    route(type, NS.pubsub, "pubsub", (from, el) => (shared && type === "get" && sharedItems(shared, from, el)) || handlePubsub(shared && type === "set" ? replayCtx! : ctx, from, el, type));
    route(type, NS.pubsubOwner, "pubsub", (from, el) => handleOwner(ctx, from, el, type));
  }
  route("get", NS.discoInfo, "query", (from, el) => discoInfo(core, from, el.attrs.node));
  route("get", NS.discoItems, "query", (from, el) => shared ? sharedDiscoItems(shared, domain, from, el.attrs.node) : discoItemsOf(core, domain, from, el.attrs.node));
  route("set", NS.commands, "command", (from, el) => handleCommand(core, clock(), from, el)); // XEP-0050
  route("get", NS.ping, "ping", () => undefined); // XEP-0199 §4.2: an empty result
  route("get", NS.version, "query", () => xml("query", { xmlns: NS.version }, xml("name", {}, "geo-presence"), xml("version", {}, "0.1.0")));

  entity.on("stanza", (stanza: Element) => {
    if (stanza.is("presence")) return handlePresence(presenceCtx, stanza);
    if (onSessionAnswer(presenceCtx, stanza)) return; // a cluster's session check (./sessions.ts)
    if (!stanza.is("message")) return;
    const ev = readPepEvent(stanza);
    try {
      if (ev) return inAllowedDomain(settings, ev.publisher) ? ingestPepEvent(ingestCtx, pep, ev) : undefined;
      const privileges = readPrivileges(stanza);
      if (privileges) return mirror.onPrivileges(privileges);
      handleMessage(presenceCtx, stanza); // an owner's answer to a subscription request (XEP-0060 §8.6.2)
    } catch (e) {
      if (!(e instanceof StoreUnavailable)) throw e;
      // A PEP event has no IQ to answer: the fix stays on the user's PEP node and comes again with the next caps
      // exchange. An owner's answer gets the same error an IQ would (RFC 6120 §8.3.3.18), as a message error.
      log(`error: ${ev ? `PEP event from ${ev.publisher}` : "message"} not stored: ${e.message}`);
      if (!ev && stanza.attrs.type !== "error" && stanza.attrs.from) {
        send(xml("message", { type: "error", from: domain, to: stanza.attrs.from, id: stanza.attrs.id }, errorElement(STORE_DOWN)));
      }
    }
  });
  // what is written in one go (a commit's replies) leaves in one socket write (xmpp/coalesce.ts)
  coalesceWrites(entity);
  // @xmpp/connection decodes each TCP chunk on its own and garbles a multi-byte character split across two reads
  // (component/PLATFORM.md); a socket decoding UTF-8 as a stream hands it whole strings.
  // Nagle off: notifications are small and latency-bound; the outbox already batches per event-loop turn.
  entity.on("connect", () => {
    entity.socket?.setEncoding("utf8").setNoDelay(true);
    // a new connection: announce caps again (a restarted Prosody has forgotten them; mod_pep ignores a repeat), and
    // Prosody advertises privileges again, before "online"
    presenceCtx.announced.clear();
    mirror.reset();
  });
  // RFC 6121 §4.3: after a (re)connect, probe every publisher. Sessions known from before the reconnect stay as they
  // are while the probes and new presence confirm them; those that ended meanwhile go offline (./confirm.ts).
  let awaySince: number | undefined;
  let connection = 0;
  entity.on("disconnect", () => { awaySince ??= clock(); });
  entity.on("online", () => {
    const n = ++connection;
    const away = awaySince;
    awaySince = undefined;
    deadlines.check(); // a share_until that passed while the service was away takes effect now
    // a reconnect: every session known before; the first connection: those holding temporary subscriptions from the
    // last run (stored, xmpp/confirm.ts), unless another instance holds theirs (several instances: their slots)
    const known = away !== undefined ? core.availableResources() : n === 1 && confirmAtStart ? core.unconfirmedTemporary() : [];
    presenceCtx.unconfirmed = new Set(known);
    probeAll(presenceCtx);
    void mirror.logMode();
    if (!presenceCtx.unconfirmed.size) return;
    void confirmSessions({
      ctx: presenceCtx, server: [...settings.domains][0], now: clock, log, current: () => n === connection,
      request: (iq, timeoutMs) => entity.iqCaller.request(iq, timeoutMs),
    }, away);
  });

  const farewell = async () => {
    const users = [...presenceCtx.announced];
    presenceCtx.announced.clear();
    await Promise.all(users.map((to) => entity.send(xml("presence", { to, from: domain, type: "unavailable" })).catch(() => {})));
  };

  return { core, outbox, digests, domain, mirror, pep, farewell, askSessions: (jids) => askSessions(presenceCtx, jids) };
}
