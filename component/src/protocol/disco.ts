// XEP-0030 answers: the service, and each node with its XEP-0060 §5.4 meta-data form.
import xml, { type Element } from "@xmpp/xml";
import type { PersonalNode } from "../core/model.ts";
import { buildForm } from "./forms.ts";
import { nodeMetaFields } from "./node-config.ts";
import { NS, NODES } from "./ns.ts";

// XEP-0060 §10: the features the service really implements.
const PUBSUB_FEATURES = [
  "access-authorize",
  "access-open",
  "access-whitelist",
  "auto-create",
  "collections",
  "config-node",
  "delete-items",
  "delete-nodes",
  "item-ids",
  "last-published",
  "member-affiliation",
  "meta-data",
  "modify-affiliations",
  "outcast-affiliation",
  "persistent-items",
  "publish",
  "publish-options",
  "publisher-affiliation",
  "purge-nodes",
  "retract-items",
  "retrieve-affiliations",
  "retrieve-default",
  "retrieve-items",
  "retrieve-subscriptions",
  "subscribe",
  "subscription-options",
].map((f) => `${NS.pubsub}#${f}`);

// XEP-0163 §4: `geoloc+notify` asks users' PEP services for their geoloc events (ingest of PEP publishers).
// XEP-0050 §2.1: ad-hoc commands (protocol/commands.ts)
export const SERVICE_FEATURES = [
  NS.discoInfo,
  NS.discoItems,
  NS.pubsub,
  ...PUBSUB_FEATURES,
  NS.geoloc,
  `${NS.geoloc}+notify`,
  NS.ping,
  NS.commands,
];

/**
 * The service's disco#info; `node` set when answering a XEP-0115 §6.2 `node#ver` query (same identity and features).
 */
export function serviceInfo(node?: string): Element {
  const q = xml(
    "query",
    node ? { xmlns: NS.discoInfo, node } : { xmlns: NS.discoInfo },
    xml("identity", { category: "pubsub", type: "service", name: "Geolocation presence" }),
  );
  for (const f of SERVICE_FEATURES) q.append(xml("feature", { var: f }));
  return q;
}

const META = `${NS.pubsub}#meta-data`;

export function personalNodeInfo(node: PersonalNode, queried: string): Element {
  return xml(
    "query",
    { xmlns: NS.discoInfo, node: queried },
    xml("identity", { category: "pubsub", type: "leaf" }),
    xml("feature", { var: NS.pubsub }),
    buildForm("result", META, [
      { var: "pubsub#type", value: NS.geoloc },
      { var: "pubsub#owner", value: node.name },
      ...nodeMetaFields(node.config),
    ]),
  );
}

export function serviceNodeInfo(name: typeof NODES.locations | typeof NODES.presence): Element {
  const collection = name === NODES.locations;
  return xml(
    "query",
    { xmlns: NS.discoInfo, node: name },
    xml("identity", { category: "pubsub", type: collection ? "collection" : "leaf" }),
    xml("feature", { var: NS.pubsub }),
    buildForm("result", META, [
      { var: "pubsub#node_type", value: collection ? "collection" : "leaf" },
      { var: "pubsub#type", value: collection ? NS.geoloc : NS.client },
      { var: "pubsub#itemreply", value: "publisher" },
      {
        var: "pubsub#title",
        value: collection ? "Every publisher you may see" : "Presence of every publisher you may see",
      },
    ]),
  );
}

export function discoItems(
  service: string,
  node: string | undefined,
  items: Array<{ node?: string; name?: string; id?: string }>,
): Element {
  return xml(
    "query",
    node ? { xmlns: NS.discoItems, node } : { xmlns: NS.discoItems },
    ...items.map((i) => xml("item", { jid: service, node: i.node, name: i.name || undefined })),
  );
}

/** XEP-0050 §2.2: a command node's disco#info. */
export function commandInfo(node: string, name: string): Element {
  return xml(
    "query",
    { xmlns: NS.discoInfo, node },
    xml("identity", { category: "automation", type: "command-node", name }),
    xml("feature", { var: NS.commands }),
    xml("feature", { var: NS.dataForms }),
  );
}
