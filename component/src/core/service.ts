// The geolocation pubsub service: every user-facing operation, values in, values out. Each operation is a method
// here, implemented over the core's private context (core/context.ts) in the file named next to it; the state is
// reached only through these methods. Node layout and rules: component/PROTOCOL.md. Spec references are to
// XEP-0060 unless said otherwise.
import { apply, restore, snapshot } from "./apply.ts";
import { answerAuthorization, type AuthorizationAnswer } from "./authorize.ts";
import type { Change } from "./changes.ts";
import type { ConfigChange } from "./config.ts";
import type { Outcome } from "./context.ts";
import type { Result } from "./errors.ts";
import { readItems, type ItemsResult } from "./items.ts";
import type {
  Affiliation,
  Event,
  Notification,
  NodeConfig,
  PendingRequest,
  PersonalNode,
  ReadEntry,
  Subscription,
  SubscriptionOptions,
} from "./model.ts";
import type { NodeView } from "./nodes.ts";
import * as owner from "./owner.ts";
import { heldTemporary, presence, unconfirmedTemporary } from "./presence-ops.ts";
import type { PublisherPresence, Show } from "./presence.ts";
import { publish, type PublishRequest } from "./publish.ts";
import type { RemoteChange } from "./replica.ts";
import { endSharing, nextDeadline, type Ended } from "./share-until.ts";
import { ServiceContext } from "./service-context.ts";
import type { Settings } from "./state.ts";
import type { Store, StoredState } from "./store.ts";
import { getOptions, setOptions } from "./sub-ops.ts";
import { subscribe, subscriptionsOf, unsubscribe } from "./subscribe.ts";
import { recordReads, watchReport, type WatchReport } from "./watchers.ts";

export { LOCATIONS, OWN_NODE, PRESENCE, type NodeView } from "./nodes.ts";
export type { Outcome } from "./context.ts";
export type { PublishRequest } from "./publish.ts";

export class GeoService {
  private readonly core: ServiceContext;

  constructor(store: Store, settings: Settings, newId: () => string) {
    this.core = new ServiceContext(store, settings, newId);
  }

  get settings(): Settings {
    return this.core.settings;
  }

  // Reads

  /** The node as `viewer` may know it; undefined both when it does not exist and when it may not be seen. */
  view(viewer: string, name: string): NodeView | undefined {
    return this.core.view(viewer, name);
  }

  /** Personal nodes `viewer` may see. */
  visibleNodes(viewer: string): PersonalNode[] {
    return this.core.visibleNodes(viewer);
  }

  /** The personal node `name` as memory holds it, whoever asks (the shell's own bookkeeping: PEP, mirror). */
  node(name: string): PersonalNode | undefined {
    return this.core.state.nodes.get(name);
  }

  /** The subscription of `jid` (as subscribed) to `node`. */
  subscription(node: string, jid: string): Subscription | undefined {
    return this.core.state.subscriptions.get(node)?.get(jid);
  }

  /** Every subscription to `node`. */
  subscribers(node: string): Subscription[] {
    return [...(this.core.state.subscriptions.get(node)?.values() ?? [])];
  }

  /** XEP-0060 §8.6 requests waiting for an owner: on `node`, or on every node. */
  pendingRequests(node?: string): PendingRequest[] {
    const pending = this.core.state.pending;
    const on = node === undefined ? [...pending.values()] : [pending.get(node) ?? new Map<string, PendingRequest>()];
    return on.flatMap((m) => [...m.values()]);
  }

  /** A publisher's presence as node `presence` has it. */
  presenceOf(jid: string): PublisherPresence | undefined {
    return this.core.state.presence.get(jid);
  }

  /** The read log of a publisher's node (core/watchers.ts); undefined when nobody read it or it was erased. */
  readsOf(publisher: string): ReadEntry[] | undefined {
    const log = this.core.state.reads.get(publisher);
    return log && [...log.values()];
  }

  /** Whether a full JID is available to the service (its presence was seen). */
  isAvailable(full: string): boolean {
    return this.core.state.resources.isAvailable(full);
  }

  /** Every full JID the service believes available (to confirm after a reconnect). */
  availableResources(): string[] {
    return this.core.state.resources.available();
  }

  /** Full JIDs holding a temporary subscription (§12.5) that no presence has shown available (after a restart). */
  unconfirmedTemporary(): string[] {
    return unconfirmedTemporary(this.core);
  }

  /** How many temporary subscriptions (§12.5) available full JIDs hold (the --status heartbeat). */
  heldTemporary(): number {
    return heldTemporary(this.core);
  }

  /** Bare JIDs of every publisher (to probe after a (re)connect). */
  publishers(): string[] {
    return [...this.core.state.nodes.keys()];
  }

  /** Recipients of an event on a personal node, each once, if they may see it (core/notify.ts). */
  notifyNode(node: PersonalNode, event: Event): Notification[] {
    return this.core.notifyNode(node, event);
  }

  // Operations (each commits its changes, then memory takes them)

  // §7.1 (core/publish.ts)
  publish(from: string, req: PublishRequest, now: number): Outcome<{ node: string; itemId: string; created: boolean }> {
    return publish(this.core, from, req, now);
  }

  // §6.5 (core/items.ts)
  items(from: string, name: string, ids: string[] | undefined, max: number | undefined): Result<ItemsResult> {
    return readItems(this.core, from, name, ids, max);
  }

  // §6.1, §6.2, §5.6 (core/subscribe.ts)
  subscribe(
    from: string,
    name: string,
    jid: string,
    form?: Record<string, string>,
  ): Outcome<{ subscription: Subscription; state: "subscribed" | "pending" }> {
    return subscribe(this.core, from, name, jid, form);
  }
  unsubscribe(from: string, name: string, jid: string): Outcome<{}> {
    return unsubscribe(this.core, from, name, jid);
  }
  subscriptionsOf(from: string, name?: string): Result<Subscription[]> {
    return subscriptionsOf(this.core, from, name);
  }

  // §6.3 (core/sub-ops.ts)
  getOptions(
    from: string,
    name: string,
    jid: string,
    subid?: string,
  ): Result<{ subscription: Subscription; options: SubscriptionOptions }> {
    return getOptions(this.core, from, name, jid, subid);
  }
  setOptions(
    from: string,
    name: string,
    jid: string,
    subid: string | undefined,
    form: Record<string, string>,
  ): Outcome<{ subscription: Subscription }> {
    return setOptions(this.core, from, name, jid, subid, form);
  }

  // RFC 6121 presence of users; §12.5 temporary subscriptions (core/presence-ops.ts)
  presence(
    from: string,
    available: boolean,
    show: Show | undefined,
    priority: number,
    now: number,
  ): { changes: Change[]; notifications: Notification[] } {
    return presence(this.core, from, available, show, priority, now);
  }

  /** An available full JID (true) or one that went away (false), kept by a shared store for other instances. */
  saveSession(full: string, available: boolean): void {
    this.core.commit([{ kind: "saveSession", jid: full, available }]);
  }

  // §7.2, §8.2, §8.4, §8.5, §8.8, §8.9 (core/owner.ts)
  retract(from: string, name: string, ids: string[]): Outcome<{}> {
    return owner.retract(this.core, from, name, ids);
  }
  purge(from: string, name: string): Outcome<{}> {
    return owner.purge(this.core, from, name);
  }
  deleteNode(from: string, name: string): Outcome<{}> {
    return owner.deleteNode(this.core, from, name);
  }
  getConfig(from: string, name: string): Result<NodeConfig> {
    return owner.getConfig(this.core, from, name);
  }
  configure(
    from: string,
    name: string,
    form: ConfigChange | "cancel",
    now: number,
  ): Outcome<{ stopped: Ended["stopped"] }> {
    return owner.configure(this.core, from, name, form, now);
  }
  affiliations(from: string, name: string): Result<Array<{ jid: string; affiliation: Affiliation }>> {
    return owner.affiliations(this.core, from, name);
  }
  setAffiliations(from: string, name: string, changes: Array<{ jid: string; affiliation: string }>): Outcome<{}> {
    return owner.setAffiliations(this.core, from, name, changes);
  }
  nodeSubscriptions(from: string, name: string): Result<Subscription[]> {
    return owner.nodeSubscriptions(this.core, from, name);
  }

  // §8.6.2 (core/authorize.ts)
  answerAuthorization(from: string, a: AuthorizationAnswer): Outcome<{}> {
    return answerAuthorization(this.core, from, a);
  }

  // geo#share_until (core/share-until.ts)
  /** The earliest share_until of a node still sharing (the shell's one timer), or undefined. */
  nextDeadline(): number | undefined {
    return nextDeadline(this.core);
  }
  /** Ends the sharing of every node whose share_until has passed by `now` (and resumes moved deadlines). */
  endSharing(now: number): Ended {
    return endSharing(this.core, now);
  }

  // Who is watching (core/watchers.ts)
  watchReport(owner: string, now: number): WatchReport | undefined {
    return watchReport(this.core, owner, now);
  }
  /** `viewer` fetched items of each of `publishers` at `now` (in memory only). */
  recordReads(viewer: string, publishers: Iterable<string>, now: number): void {
    recordReads(this.core.state, viewer, publishers, now);
  }

  // Memory and the store

  /** Another instance's committed change (core/replica.ts), or a value another instance stored: memory only. */
  applyRemote(change: Change | RemoteChange): void {
    apply(this.core.state, change);
  }

  /** After a failed group commit: the named nodes as stored (core/group-commit.ts onRollback). */
  restore(names: readonly string[], fresh: StoredState): void {
    restore(this.core.state, names, fresh);
  }

  /** What restore() would need to set `name` back to how it is now (core/group-commit.ts rememberFrom). */
  snapshot(name: string): StoredState {
    return snapshot(this.core.state, name);
  }
}
