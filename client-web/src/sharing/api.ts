// "My sharing": every action of the page through the service's standard protocol (no private API): the
// who-sees-me ad-hoc command (XEP-0050), owner affiliations (XEP-0060 §8.9), answers to subscription requests
// (§8.6.2), node configuration (§8.2: geo#share_until, geo#exact, geo#coarse_km, access model), an empty geoloc to
// stop sharing (XEP-0080 §4.1) and node deletion to erase (§8.4). Browser-safe.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { NS } from "../../../component/src/protocol/ns.ts";

/** Sends an IQ to the service and resolves with its payload (rejects on an error reply). */
export type Iq = (type: "get" | "set", child: Element) => Promise<Element | undefined>;
export type Send = (el: Element) => Promise<void>;

export interface Row {
  jid: string;
  what: string;
  precision: string;
  temporary: string;
  /** the subscription's area ("everywhere" or south,west,north,east) */
  area: string;
  when: string;
  count: string;
}

export interface Report {
  /** undefined: the user has no node at the service */
  node?: string;
  fields: Record<string, string[]>;
  watching: Row[];
  looked: Row[];
}

const LOOKED = "fetched your items";

export function parseReport(command: Element | undefined): Report {
  const x = command?.getChild("x", NS.dataForms);
  const fields = Object.fromEntries(
    (x?.getChildren("field") ?? []).map((f) => [f.attrs.var as string, f.getChildren("value").map((v) => v.getText())]),
  );
  const rows = (x?.getChildren("item") ?? []).map((i) => {
    const cell = (k: string) =>
      i
        .getChildren("field")
        .find((f) => f.attrs.var === k)
        ?.getChildText("value") ?? "";
    return {
      jid: cell("jid"),
      what: cell("what"),
      precision: cell("precision"),
      temporary: cell("temporary"),
      area: cell("area"),
      when: cell("when"),
      count: cell("count"),
    };
  });
  return {
    node: fields.node?.[0],
    fields,
    watching: rows.filter((r) => r.what !== LOOKED),
    looked: rows.filter((r) => r.what === LOOKED),
  };
}

export class SharingApi {
  constructor(
    private readonly iq: Iq,
    private readonly send: Send,
    private readonly service: string,
    readonly me: string,
  ) {}

  async report(): Promise<Report> {
    return parseReport(
      await this.iq("set", xml("command", { xmlns: NS.commands, node: "who-sees-me", action: "execute" })),
    );
  }

  private owner(child: Element) {
    return this.iq("set", xml("pubsub", { xmlns: NS.pubsubOwner }, child));
  }

  configure(fields: Record<string, string | string[]>): Promise<unknown> {
    return this.owner(
      xml(
        "configure",
        { node: this.me },
        xml(
          "x",
          { xmlns: NS.dataForms, type: "submit" },
          xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, `${NS.pubsub}#node_config`)),
          ...Object.entries(fields).map(([k, v]) =>
            xml("field", { var: k }, ...(Array.isArray(v) ? v : [v]).map((x) => xml("value", {}, x))),
          ),
        ),
      ),
    );
  }

  /** geo#share_until `ms` from `now` (the "share for 1 hour" button) */
  shareFor(ms: number, now = Date.now()): Promise<unknown> {
    return this.configure({ "geo#share_until": new Date(now + ms).toISOString() });
  }

  setAffiliation(jid: string, affiliation: "member" | "outcast" | "none"): Promise<unknown> {
    return this.owner(xml("affiliations", { node: this.me }, xml("affiliation", { jid, affiliation })));
  }

  /** XEP-0060 §8.6.2: the owner's answer to a pending request, a message with the submitted form */
  answer(jid: string, allow: boolean): Promise<void> {
    return this.send(
      xml(
        "message",
        { to: this.service },
        xml(
          "x",
          { xmlns: NS.dataForms, type: "submit" },
          xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, `${NS.pubsub}#subscribe_authorization`)),
          xml("field", { var: "pubsub#node" }, xml("value", {}, this.me)),
          xml("field", { var: "pubsub#subscriber_jid" }, xml("value", {}, jid)),
          xml("field", { var: "pubsub#allow" }, xml("value", {}, allow ? "true" : "false")),
        ),
      ),
    );
  }

  /** XEP-0080 §4.1: an empty geoloc on the own node */
  stopSharing(): Promise<unknown> {
    return this.iq(
      "set",
      xml(
        "pubsub",
        { xmlns: NS.pubsub },
        xml("publish", { node: NS.geoloc }, xml("item", {}, xml("geoloc", { xmlns: NS.geoloc }))),
      ),
    );
  }

  /** XEP-0060 §8.4: the node, its history and who may see it, erased */
  erase(): Promise<unknown> {
    return this.owner(xml("delete", { node: this.me }));
  }
}
