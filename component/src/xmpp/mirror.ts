// Mirror mode: with XEP-0356 privileges from Prosody, every fix accepted by the service is also written onto the
// publisher's own PEP geoloc node, so roster contacts see it in any XMPP client (XEP-0163). The mode follows what
// the server grants at connect; without privileges the service works as before.
import type { Component } from "@xmpp/component";
import xml from "@xmpp/xml";
import { domainOf } from "../core/jid.ts";
import type { Item } from "../core/model.ts";
import { RecentIds } from "../core/pep.ts";
import { NS } from "../protocol/ns.ts";
import { privilegedPublish, type Privileges } from "../protocol/pep.ts";

export class Mirror {
  /** host -> what it granted on this connection */
  private readonly granted = new Map<string, Privileges>();
  /** item ids written to each publisher's PEP node, to recognise them when they come back as PEP events */
  readonly recent = new RecentIds();
  written = 0;
  failed = 0;
  private n = 0;

  constructor(
    private readonly entity: Component,
    private readonly domains: ReadonlySet<string>,
    private readonly log: (line: string) => void,
  ) {}

  /** A new connection: privileges are advertised again (XEP-0356 §4.2), so forget the old ones. */
  reset(): void {
    this.granted.clear();
  }

  /** XEP-0356 §4.2: the server's advertisement. Only user domains the service serves count. */
  onPrivileges(p: Privileges): void {
    if (!this.domains.has(p.host)) return;
    this.granted.set(p.host, p);
    const perms = [
      `iq pubsub: ${p.pubsubSet ? "set" : "none"}`,
      `presence: ${p.presence ?? "none"}`,
      `message: ${p.message ?? "none"}`,
    ].join(", ");
    this.log(
      p.pubsubSet
        ? `mode for ${p.host}: mirror (XEP-0356 ${perms}): ` +
            "accepted fixes are also written to publishers' PEP geoloc nodes"
        : `mode for ${p.host}: no mirror (XEP-0356 ${perms}: no IQ permission on ${NS.pubsub})`,
    );
  }

  enabledFor(jid: string): boolean {
    return this.granted.get(domainOf(jid))?.pubsubSet ?? false;
  }

  /**
   * After connecting: one round trip to each user domain. Privileges are advertised right after the handshake
   * (mod_privilege on component-authenticated), so by the answer they have arrived or will not come.
   */
  async logMode(): Promise<void> {
    for (const host of this.domains) {
      await this.entity.iqCaller
        .request(xml("iq", { type: "get", to: host }, xml("ping", { xmlns: NS.ping })), 10_000)
        .catch(() => {});
      if (!this.granted.has(host))
        this.log(`mode for ${host}: service and PEP ingest; no mirror (Prosody grants no XEP-0356 privileges)`);
    }
  }

  /**
   * Writes `item` onto `owner`'s PEP geoloc node; the answer comes later and only failures are logged. Sent after
   * this turn's IQ replies and notifications (the outbox flushes in an earlier setImmediate): Prosody handles the
   * component's stanzas in order, and a PEP publish (a storage write) must not delay what viewers are waiting for.
   */
  write(owner: string, item: Item): void {
    if (!this.enabledFor(owner)) return;
    this.recent.add(owner, item.id); // before sending: the echo may come back before the answer
    setImmediate(() => this.send(owner, item));
  }

  private send(owner: string, item: Item): void {
    const iq = privilegedPublish(owner, `mirror-${++this.n}`, item.id, item.geoloc);
    this.entity.iqCaller.request(iq, 30_000).then(
      () => {
        this.written++;
      },
      (e: Error) => {
        this.failed++;
        this.log(`error: mirroring ${item.id} to ${owner}'s PEP node failed: ${e.message}`);
      },
    );
  }
}
