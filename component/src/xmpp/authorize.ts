// Messages to the service: the owner's answer to a subscription request (XEP-0060 §8.6.2). Anything else is ignored
// (RFC 6121 §5.2.2 lets a service drop messages it has no use for).
import xml, { type Element } from "@xmpp/xml";
import type { Notification } from "../core/model.ts";
import type { GeoService } from "../core/service.ts";
import { errorElement } from "../protocol/errors.ts";
import { readAuthorization } from "../protocol/requests.ts";

export interface MessageContext {
  core: GeoService;
  domain: string;
  notify(n: readonly Notification[]): void;
  send(el: Element): void;
}

export function handleMessage(ctx: MessageContext, stanza: Element): void {
  const from = stanza.attrs.from as string | undefined;
  if (!from || stanza.attrs.type === "error") return; // never answer an error (RFC 6120 §8.1)
  const answer = readAuthorization(stanza);
  if (!answer) return;
  const r = answer.ok ? ctx.core.answerAuthorization(from, answer.value) : answer;
  if (r.ok) ctx.notify(r.value.notifications);
  // RFC 6120 §8.2: a message error goes back to the sender with the same id
  else
    ctx.send(xml("message", { type: "error", from: ctx.domain, to: from, id: stanza.attrs.id }, errorElement(r.error)));
}
