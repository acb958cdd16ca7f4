// XEP-0050 ad-hoc commands: the owner's "who can see me / who is watching / who looked" report (core/watchers.ts)
// as a one-stage command whose answer is a XEP-0004 result form: the settings as fields, then one table (§3.4
// reported + items) of everyone subscribed now and everyone who fetched the owner's items in the last 24 hours.
import xml, { type Element } from "@xmpp/xml";
import { formatBBox } from "../core/area.ts";
import type { WatchReport } from "../core/watchers.ts";
import { NS } from "./ns.ts";
import { stamp } from "./time.ts";

export const WHO_SEES_ME = "who-sees-me";
export const COMMANDS = [{ node: WHO_SEES_ME, name: "Who can see me, who is watching, who looked (24 h)" }];

const field = (v: string, type: string, label: string, values: string[]) =>
  xml("field", { var: v, type, label }, ...values.map((x) => xml("value", {}, x)));

const VIA = {
  node: "subscribed to your node",
  locations: "subscribed to locations",
  presence: "subscribed to presence",
} as const;

/** XEP-0050 §4.3: the completed command with the report; `report` undefined: the requester has no node here. */
export function reportCommand(sessionid: string, r: WatchReport | undefined, now: number): Element {
  const x = xml("x", { xmlns: NS.dataForms, type: "result" }, xml("title", {}, "Who can see me"));
  if (!r) {
    x.append(xml("instructions", {}, "You have no location node here: nobody can see you."));
  } else {
    const sharing = r.sharingEnded
      ? `ended at ${stamp(r.shareUntil!)}`
      : r.shareUntil !== undefined
        ? `until ${stamp(r.shareUntil)}`
        : "no end set";
    x.append(field("node", "jid-single", "Your node", [r.node]));
    x.append(
      field(
        "pubsub#access_model",
        "text-single",
        "Who may see you (open: anyone on the server, whitelist: those listed, authorize: those you approved)",
        [r.accessModel],
      ),
    );
    x.append(field("members", "jid-multi", "Allowed to see you (whitelist and approved requests)", r.members));
    x.append(field("publishers", "jid-multi", "Allowed to publish to your node (and see it)", r.publishers));
    x.append(field("outcasts", "jid-multi", "Banned", r.outcasts));
    x.append(field("pending", "jid-multi", "Asking to see you (waiting for your answer)", r.pending));
    x.append(
      field(
        "geo#coarse_km",
        "text-single",
        "Grid everybody not on the exact list sees, km (0 = everybody sees exact)",
        [String(r.coarseKm)],
      ),
    );
    x.append(field("geo#exact", "jid-multi", "Who sees your exact position", r.exact));
    x.append(field("sharing", "text-single", "Sharing", [sharing]));
    x.append(
      xml(
        "reported",
        {},
        field("jid", "jid-single", "Who", []),
        field("what", "text-single", "What", []),
        field("precision", "text-single", "Precision", []),
        field("temporary", "boolean", "Ends when that session goes offline", []),
        field("area", "text-single", "Area", []),
        field("when", "text-single", "When (latest)", []),
        field("count", "text-single", "Times in 24 h", []),
      ),
    );
    const row = (cells: Record<string, string>) =>
      xml("item", {}, ...Object.entries(cells).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))));
    for (const s of r.subscribers)
      x.append(
        row({
          jid: s.jid,
          what: VIA[s.via],
          precision: s.precision,
          temporary: String(s.temporary),
          area: s.area ? formatBBox(s.area) : "everywhere",
          when: stamp(now),
          count: "",
        }),
      );
    for (const e of r.reads)
      x.append(
        row({
          jid: e.jid,
          what: "fetched your items",
          precision: "",
          temporary: "",
          area: "",
          when: stamp(e.last),
          count: String(e.count),
        }),
      );
  }
  return xml("command", { xmlns: NS.commands, node: WHO_SEES_ME, sessionid, status: "completed" }, x);
}
