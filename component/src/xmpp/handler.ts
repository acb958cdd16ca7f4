// The IQ handlers' common part: what a handler is given, what it answers, and the one dispatch of a <pubsub/> request
// by its key (protocol/requests.ts) to the table of handlers (./pubsub.ts, ./owner.ts).
import type { Element } from "@xmpp/xml";
import type { Result } from "../core/errors.ts";
import type { Item, Notification } from "../core/model.ts";
import type { GeoService } from "../core/service.ts";
import { errorElement } from "../protocol/errors.ts";
import { readAction, readOwnerAction, unsupported, type PubsubAction } from "../protocol/requests.ts";

export interface HandlerContext {
  core: GeoService;
  now(): number;
  notify(n: readonly Notification[]): void;
  /** a publisher's node was just created: ask for its presence */
  created(publisher: string): void;
  /** a node's configuration changed or a node was created: the next share_until deadline may have moved */
  deadlines?(): void;
  /** `viewer` was sent items of these publishers (the owners' read log) */
  read?(viewer: string, publishers: string[]): void;
  /** subscription options were set (digests: a period may have ended) */
  optionsChanged?(): void;
  /** a fix was accepted on `owner`'s node (mirror mode writes it to that user's PEP node) */
  accepted?(owner: string, item: Item): void;
}

/** What a handler answers: the reply's payload, undefined for an empty result, or either later (shared reads). */
export type Reply = Element | undefined | Promise<Element | undefined>;
export type Handler<R extends Reply = Reply> = (ctx: HandlerContext, from: string, request: PubsubAction) => R;
export type Handlers<R extends Reply = Reply> = Record<string, Handler<R>>;

/** A handler that reads its request with `read` (a malformed one is answered with the error) and then `handle`s it. */
export const on =
  <T, R extends Reply>(
    read: (r: PubsubAction) => Result<T>,
    handle: (ctx: HandlerContext, from: string, req: T) => R,
  ): Handler<R | Element> =>
  (ctx, from, r) => {
    const req = read(r);
    return req.ok ? handle(ctx, from, req.value) : errorElement(req.error);
  };

/** Unwraps a core result: the reply built from its value, or the error element; notifications are queued. */
export function reply<T>(ctx: HandlerContext, r: Result<T>, build: (v: T) => Element | undefined): Element | undefined {
  if (!r.ok) return errorElement(r.error);
  const n = (r.value as { notifications?: Notification[] } | null)?.notifications;
  if (n) ctx.notify(n);
  return build(r.value);
}

/**
 * Answers a <pubsub/> IQ (`isOwner`: in the pubsub#owner namespace): its action read once and dispatched by its key
 * (protocol/requests.ts) to `handlers`; an action without a handler is not offered (§10 unsupported feature).
 */
export function dispatch<R extends Reply>(
  handlers: Handlers<R>,
  ctx: HandlerContext,
  from: string,
  el: Element,
  type: "get" | "set",
  isOwner: boolean,
): R | Element {
  const a = isOwner ? readOwnerAction(el, type) : readAction(el, type);
  if (!a.ok) return errorElement(a.error);
  const handler = Object.hasOwn(handlers, a.value.key) ? handlers[a.value.key] : undefined;
  return handler ? handler(ctx, from, a.value) : errorElement(unsupported(a.value.el.name, type).error);
}
