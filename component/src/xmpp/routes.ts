// The IQ requests the service answers (each routed by its payload, ./iq.ts) and their handlers.
import type { Component } from "@xmpp/component";
import xml from "@xmpp/xml";
import { NS } from "../protocol/ns.ts";
import { handleCommand } from "./commands.ts";
import { discoInfo, discoItemsOf } from "./disco.ts";
import { dispatch, type HandlerContext } from "./handler.ts";
import { serve } from "./iq.ts";
import { OWNER } from "./owner.ts";
import { PUBSUB } from "./pubsub.ts";
import { overShared, sharedDiscoItems, type Shared } from "./shared-read.ts";

/** `shared`: several instances, reads of items and disco#items from PostgreSQL (./shared-read.ts). */
export function serveRequests(entity: Component, ctx: HandlerContext, shared?: Shared): void {
  const { core, now } = ctx;
  const domain = entity.options.domain;
  // XEP-0060: one table for both namespaces, keyed `type_action` and `owner_type_action`
  const handlers = shared ? overShared(shared, { ...PUBSUB, ...OWNER }) : { ...PUBSUB, ...OWNER };
  for (const type of ["get", "set"] as const) {
    serve(entity, type, NS.pubsub, "pubsub", (from, el) => dispatch(handlers, ctx, from, el, type, false));
    serve(entity, type, NS.pubsubOwner, "pubsub", (from, el) => dispatch(handlers, ctx, from, el, type, true));
  }
  serve(entity, "get", NS.discoInfo, "query", (from, el) => discoInfo(core, from, el.attrs.node));
  serve(entity, "get", NS.discoItems, "query", (from, el) =>
    shared ? sharedDiscoItems(shared, domain, from, el.attrs.node) : discoItemsOf(core, domain, from, el.attrs.node),
  );
  serve(entity, "set", NS.commands, "command", (from, el) => handleCommand(core, now(), from, el)); // XEP-0050
  serve(entity, "get", NS.ping, "ping", () => undefined); // XEP-0199 §4.2: an empty result
  serve(entity, "get", NS.version, "query", () =>
    xml("query", { xmlns: NS.version }, xml("name", {}, "geo-presence"), xml("version", {}, "0.1.0")),
  );
}
