// Presence and messages to the service: presence (RFC 6121, ./presence.ts), answers to session checks
// (./sessions.ts), PEP events (XEP-0163, ./ingest.ts), privileges (XEP-0356, ./mirror.ts) and an owner's answer to a
// subscription request (XEP-0060 §8.6.2, ./authorize.ts).
import type { Component } from "@xmpp/component";
import xml, { type Element } from "@xmpp/xml";
import { inAllowedDomain } from "../core/access.ts";
import { StoreUnavailable } from "../core/store.ts";
import { errorElement } from "../protocol/errors.ts";
import { readPepEvent, readPrivileges } from "../protocol/pep.ts";
import { handleMessage } from "./authorize.ts";
import { ingestPepEvent, type IngestContext, type IngestStats } from "./ingest.ts";
import { STORE_DOWN } from "./iq.ts";
import type { Mirror } from "./mirror.ts";
import { handlePresence, type PresenceContext } from "./presence.ts";
import { onSessionAnswer } from "./sessions.ts";

export interface StanzaOptions {
  entity: Component;
  presence: PresenceContext;
  ingest: IngestContext;
  stats: IngestStats;
  mirror: Mirror;
  log(line: string): void;
}

export function followStanzas({ entity, presence, ingest, stats, mirror, log }: StanzaOptions): void {
  const { settings } = presence.core;
  entity.on("stanza", (stanza: Element) => {
    if (stanza.is("presence")) return handlePresence(presence, stanza);
    if (onSessionAnswer(presence, stanza)) return; // a cluster's session check (./sessions.ts)
    if (!stanza.is("message")) return;
    const ev = readPepEvent(stanza);
    try {
      if (ev) return inAllowedDomain(settings, ev.publisher) ? ingestPepEvent(ingest, stats, ev) : undefined;
      const privileges = readPrivileges(stanza);
      if (privileges) return mirror.onPrivileges(privileges);
      handleMessage(presence, stanza); // an owner's answer to a subscription request (XEP-0060 §8.6.2)
    } catch (e) {
      if (!(e instanceof StoreUnavailable)) throw e;
      // A PEP event has no IQ to answer: the fix stays on the user's PEP node and comes again with the next caps
      // exchange. An owner's answer gets the same error an IQ would (RFC 6120 §8.3.3.18), as a message error.
      log(`error: ${ev ? `PEP event from ${ev.publisher}` : "message"} not stored: ${e.message}`);
      if (!ev && stanza.attrs.type !== "error" && stanza.attrs.from) {
        presence.send(
          xml(
            "message",
            { type: "error", from: presence.domain, to: stanza.attrs.from, id: stanza.attrs.id },
            errorElement(STORE_DOWN),
          ),
        );
      }
    }
  });
}
