// XEP-0050 ad-hoc commands, executed at the service (a single-stage command: execute answers completed).
import xml, { type Element } from "@xmpp/xml";
import { randomBytes } from "node:crypto";
import { inAllowedDomain } from "../core/access.ts";
import type { GeoService } from "../core/service.ts";
import { reportCommand, WHO_SEES_ME } from "../protocol/commands.ts";
import { errorElement } from "../protocol/errors.ts";
import { NS } from "../protocol/ns.ts";

export function handleCommand(core: GeoService, now: number, from: string, el: Element): Element {
  // XEP-0050 §4.6: users the service does not serve may not execute commands
  if (!inAllowedDomain(core.settings, from)) return errorElement({ condition: "forbidden" });
  if (el.attrs.node !== WHO_SEES_ME) return errorElement({ condition: "item-not-found", text: "no such command" });
  const action = el.attrs.action ?? "execute";
  const sessionid = el.attrs.sessionid ?? randomBytes(9).toString("base64url");
  // XEP-0050 §4.4: a cancelled command ends; a one-stage command has no next/prev/complete stage
  if (action === "cancel")
    return xml("command", { xmlns: NS.commands, node: WHO_SEES_ME, sessionid, status: "canceled" });
  if (action !== "execute" && action !== "complete")
    return errorElement({
      condition: "bad-request",
      text: `action ${action} does not apply to a single-stage command`,
    });
  // the report is always on the requester's own node: there is nothing to ask about anyone else
  return reportCommand(sessionid, core.watchReport(from, now), now);
}
