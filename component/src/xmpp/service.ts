// The shell: wires the core to an @xmpp/component entity. Build and start are separate: createService() wires
// without connecting; main.ts (or a test) calls entity.start(). Each feature is its own factory; this only wires them.
import type { Component } from "@xmpp/component";
import type { Element } from "@xmpp/xml";
import { randomBytes } from "node:crypto";
import { GeoService } from "../core/service.ts";
import type { Settings } from "../core/state.ts";
import { hasGroupCommit } from "../core/group-commit.ts";
import { hasSharedReads } from "../core/shared-read.ts";
import type { Store } from "../core/store.ts";
import type { Digests } from "../core/digest.ts";
import { followConnection } from "./connection.ts";
import { deadlineTimer } from "./deadline.ts";
import type { HandlerContext } from "./handler.ts";
import { newIngestStats, type IngestStats } from "./ingest.ts";
import { iqMiddleware } from "./iq.ts";
import { Mirror } from "./mirror.ts";
import { notificationPath } from "./notify.ts";
import type { Outbox, OutboxLimits } from "./outbox.ts";
import { requestSubscription, type PresenceContext } from "./presence.ts";
import { serveRequests } from "./routes.ts";
import { askSessions } from "./sessions.ts";
import { followStanzas } from "./stanzas.ts";
import { followStore } from "./store-events.ts";

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

export function createService({
  entity,
  store,
  settings,
  clock = Date.now,
  log = () => {},
  outbox: limits,
  confirmAtStart = true,
}: ServiceOptions): RunningService {
  const domain = entity.options.domain;
  const core = new GeoService(store, settings, newId);
  // a store that commits in groups (PostgreSQL, batched SQLite): replies and notifications wait for durability
  const durable = hasGroupCommit(store) ? store : undefined;
  const { outbox, digests, delivery, notify } = notificationPath({ entity, core, durable, clock, log, limits });
  const mirror = new Mirror(entity, settings.domains, log);
  // geo#share_until: one timer for the next deadline; at the deadline viewers are told and the PEP mirror stops too
  const deadlines = deadlineTimer(core, clock, notify, (owner, item) => mirror.write(owner, item));
  followStore({ core, store, durable, deadlines, log });

  const send = (el: Element) => void entity.send(el).catch((e: Error) => log(`error: send failed: ${e.message}`));
  const presence: PresenceContext = {
    core,
    domain,
    now: clock,
    notify,
    send,
    announced: new Set(),
    unconfirmed: new Set(),
  };
  const ctx: HandlerContext = {
    core,
    now: clock,
    notify,
    created: (jid) => {
      requestSubscription(presence, jid);
      deadlines.check();
    },
    deadlines: () => deadlines.check(),
    read: (viewer, publishers) => core.recordReads(viewer, publishers, clock()),
    optionsChanged: () => delivery.poke(),
    accepted: (owner, item) => mirror.write(owner, item), // fixes published to the service; never ingested ones
  };
  // IQs: the store gate and the group-commit wait for all (registered before the routes), then the routes
  iqMiddleware(entity, durable, log);
  // several instances: reads of items and disco#items from PostgreSQL, after this instance's own pending commit
  serveRequests(entity, ctx, durable && hasSharedReads(store) ? { store, durable, settings, now: clock } : undefined);

  const pep = newIngestStats();
  followStanzas({
    entity,
    presence,
    ingest: { core, now: clock, notify, mirrored: mirror.recent, log },
    stats: pep,
    mirror,
    log,
  });
  const farewell = followConnection({ entity, presence, mirror, deadlines, settings, log, confirmAtStart });
  return { core, outbox, digests, domain, mirror, pep, farewell, askSessions: (jids) => askSessions(presence, jids) };
}
