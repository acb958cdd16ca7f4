// IQ requests: each routed by its payload's qualified name (RFC 6120 §8.2.3; xmpp.js iq/callee), and what holds for
// every one of them registered once, as xmpp.js middleware (entity.middleware) wrapped around every handler:
// - the store gate: a store that cannot write (StoreUnavailable) is answered with resource-constraint;
// - the group commit (core/group-commit.ts): the reply leaves once the writes recorded before it are durable.
import type { Component } from "@xmpp/component";
import type { Element } from "@xmpp/xml";
import type { GroupCommit } from "../core/group-commit.ts";
import { StoreUnavailable } from "../core/store.ts";
import { errorElement } from "../protocol/errors.ts";
import type { Reply } from "./handler.ts";

// RFC 6120 §8.3.3.18: the service lacks the resources (storage) right now; type wait = retry later.
// The core wrote nothing and changed nothing (durable first), so a retry is safe.
export const STORE_DOWN = {
  condition: "resource-constraint",
  text: "storage is unavailable; nothing was changed, try again later",
} as const;

const unavailable = (e: unknown) => (e instanceof StoreUnavailable ? e : new StoreUnavailable(String(e)));

/** Registers the store gate and the group-commit wait for every IQ request; before the routes (middleware order). */
export function iqMiddleware(entity: Component, durable: GroupCommit | undefined, log: (line: string) => void): void {
  const storeDown = (e: StoreUnavailable) => {
    log(`error: ${e.message}`);
    return errorElement(STORE_DOWN);
  };
  entity.middleware.use((ctx, next) => {
    if (!ctx.element) return next(); // not an IQ request (iq/callee sets the payload of a well-formed one)
    const before = durable?.recorded;
    const answered = next(); // the handler runs now, up to its first await
    // if this IQ's own writes fail to commit, memory was set back (onRollback) and it is answered as if the store had
    // refused at once; a reply that wrote nothing waits for the commit and leaves either way
    const wrote = durable !== undefined && durable.recorded !== before;
    const committed = durable?.durable().then(
      () => undefined,
      (e: unknown) => (wrote ? unavailable(e) : undefined),
    );
    return answered.then(
      async (reply) => {
        const failed = await committed;
        return failed ? storeDown(failed) : reply;
      },
      (e: unknown) => {
        if (!(e instanceof StoreUnavailable)) throw e; // a bug: iq/callee answers internal-server-error
        return storeDown(e);
      },
    );
  });
}

export type IqHandler = (from: string, el: Element) => Reply;

// iq/callee turns a falsy handler result into service-unavailable; `true` means "empty result".
const EMPTY_RESULT = true as unknown as Element;

/** Answers `type` IQs whose payload is `name` in `ns`; a handler's undefined is an empty result. */
export function serve(entity: Component, type: "get" | "set", ns: string, name: string, handler: IqHandler): void {
  entity.iqCallee[type](ns, name, (c) => {
    const r = handler(String(c.stanza.attrs.from), c.element);
    return r instanceof Promise ? r.then((x) => x ?? EMPTY_RESULT) : (r ?? EMPTY_RESULT);
  });
}
