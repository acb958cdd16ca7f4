// XEP-0115 Entity Capabilities: the service's <c/> and its verification string. The caps announce
// `http://jabber.org/protocol/geoloc+notify` (XEP-0163 §4: filtered notifications), which is what makes a user's
// PEP service (Prosody's mod_pep) deliver that user's geoloc events to the service.
import xml, { type Element } from "@xmpp/xml";
import { createHash } from "node:crypto";
import { serviceInfo } from "../protocol/disco.ts";
import { NS } from "../protocol/ns.ts";

/** XEP-0115 §4: a URI that identifies the software */
export const CAPS_NODE = "https://geo-presence.invalid/caps";

/** XEP-0115 §4 i;octet ordering (byte-wise), as the spec requires; not locale order. */
const octetSort = (a: string[]) => a.sort((x, y) => Buffer.compare(Buffer.from(x, "utf8"), Buffer.from(y, "utf8")));

/**
 * XEP-0115 §5.1 verification string over a disco#info <query/>: identities `category/type/lang/name<`, then
 * features `var<`, then extended forms (§5.4), each sorted; SHA-1, base64.
 */
export function capsVer(query: Element): string {
  const identities = octetSort(
    query
      .getChildren("identity")
      .map((i) => `${i.attrs.category ?? ""}/${i.attrs.type ?? ""}/${i.attrs["xml:lang"] ?? ""}/${i.attrs.name ?? ""}`),
  );
  const features = octetSort(query.getChildren("feature").map((f) => f.attrs.var ?? ""));
  const forms = octetSort(
    query.getChildren("x", NS.dataForms).map((x) => {
      let formType = "";
      const fields: string[] = [];
      for (const f of x.getChildren("field")) {
        const values = octetSort(f.getChildren("value").map((v) => v.getText()));
        if (f.attrs.var === "FORM_TYPE") formType = values[0] ?? "";
        else fields.push([f.attrs.var, ...values].join("<"));
      }
      return [formType, ...octetSort(fields)].join("<");
    }),
  );
  let s = "";
  for (const part of [...identities, ...features, ...forms]) s += `${part}<`;
  return createHash("sha1").update(s, "utf8").digest("base64");
}

/** The service's caps: ver computed once over the same disco#info the service answers. */
export const CAPS_VER = capsVer(serviceInfo());
/** XEP-0115 §6.2: the disco#info node a PEP service queries to learn what the ver stands for */
export const CAPS_DISCO_NODE = `${CAPS_NODE}#${CAPS_VER}`;

export function capsElement(): Element {
  return xml("c", { xmlns: NS.caps, hash: "sha-1", node: CAPS_NODE, ver: CAPS_VER });
}
