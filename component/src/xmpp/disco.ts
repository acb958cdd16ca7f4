// XEP-0030 service discovery, filtered by the same visibility check as everything else.
import type { Element } from "@xmpp/xml";
import { viewFor } from "../core/precision.ts";
import type { GeoService } from "../core/service.ts";
import { errorElement } from "../protocol/errors.ts";
import { inAllowedDomain } from "../core/access.ts";
import { COMMANDS } from "../protocol/commands.ts";
import { commandInfo, discoItems, personalNodeInfo, serviceInfo, serviceNodeInfo } from "../protocol/disco.ts";
import { NODES, NS } from "../protocol/ns.ts";
import { CAPS_DISCO_NODE } from "./caps.ts";

export function discoInfo(core: GeoService, from: string, node: string | undefined): Element {
  if (!node) return serviceInfo();
  if (node === CAPS_DISCO_NODE) return serviceInfo(node); // XEP-0115 §6.2: what our caps ver stands for
  const command = COMMANDS.find((c) => c.node === node);
  if (command) return commandInfo(command.node, command.name);
  const v = core.view(from, node);
  if (!v) return errorElement({ condition: "item-not-found" }); // XEP-0030 §3.1; invisible = nonexistent
  return v.kind === "personal"
    ? personalNodeInfo(v.node, node)
    : serviceNodeInfo(v.kind === "locations" ? NODES.locations : NODES.presence);
}

export function discoItemsOf(core: GeoService, service: string, from: string, node: string | undefined): Element {
  if (!node) {
    const visible = core.visibleNodes(from);
    const top = core.view(from, NODES.locations)
      ? [
          { node: NODES.locations, name: "locations" },
          { node: NODES.presence, name: "presence" },
        ]
      : [];
    return discoItems(service, undefined, [...top, ...visible.map((n) => ({ node: n.name, name: n.config.title }))]);
  }
  // XEP-0050 §2.1: the commands offered, to the users the service serves
  if (node === NS.commands)
    return discoItems(
      service,
      node,
      inAllowedDomain(core.settings, from) ? COMMANDS.map((c) => ({ node: c.node, name: c.name })) : [],
    );
  const v = core.view(from, node);
  if (!v) return errorElement({ condition: "item-not-found" });
  if (v.kind === "locations")
    return discoItems(
      service,
      node,
      core.visibleNodes(from).map((n) => ({ node: n.name, name: n.config.title })),
    );
  // XEP-0060 §5.5: the items of a leaf node, named by item id
  if (v.kind === "personal")
    return discoItems(
      service,
      node,
      v.node.items.filter((i) => viewFor(v.node, from, i)).map((i) => ({ name: i.id })),
    );
  return discoItems(
    service,
    node,
    core
      .visibleNodes(from)
      .filter((n) => core.presenceOf(n.name) !== undefined)
      .map((n) => ({ name: n.name })),
  );
}
