// The way of notifications from the core to the socket: the group commit's gate (./gate.ts: released once what they
// report is durable), digest subscriptions (XEP-0060 §6.3, ./digest-timer.ts) and the outbox (./outbox.ts).
import type { Component } from "@xmpp/component";
import { Digests } from "../core/digest.ts";
import type { GroupCommit } from "../core/group-commit.ts";
import type { Notification } from "../core/model.ts";
import type { GeoService } from "../core/service.ts";
import { digestDelivery } from "./digest-timer.ts";
import { gatedNotify } from "./gate.ts";
import { DEFAULT_OUTBOX_LIMITS, Outbox, type OutboxLimits } from "./outbox.ts";

export interface NotifyOptions {
  entity: Component;
  core: GeoService;
  durable: GroupCommit | undefined;
  clock(): number;
  log(line: string): void;
  limits?: Partial<OutboxLimits>;
}

export function notificationPath({ entity, core, durable, clock, log, limits }: NotifyOptions) {
  const outbox = new Outbox(
    entity,
    entity.options.domain,
    (e) => log(`error: sending notifications failed: ${e.message}`),
    { ...DEFAULT_OUTBOX_LIMITS, ...limits },
    (e) =>
      log(
        e.phase === "shedding"
          ? `warning: notifications are made faster than Prosody takes them (${e.queued} waiting): ` +
              "dropping superseded locations, every viewer keeps each publisher's newest"
          : `notifications caught up: ${e.shed} superseded locations were dropped`,
      ),
  );
  // digest subscriptions are gathered after the commit, before the outbox
  const digests = new Digests(core);
  const delivery = digestDelivery(digests, outbox, clock);
  const notify = durable ? gatedNotify(durable, delivery, core) : (n: readonly Notification[]) => delivery.push(n);
  return { outbox, digests, delivery, notify };
}
