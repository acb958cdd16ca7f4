// The node configuration fields the service supports, in one table (XEP-0060 §16.4.3 pubsub#node_config): it
// builds the owner's configuration form and the default form (§8.2.1, §8.3), the node meta-data (§5.4) and reads
// submitted forms (§8.2.4 configure, §7.1.5 publish-options). Nothing is ever "accepted and ignored": a field not in
// the table or a value the service does not offer is refused (not-acceptable, §8.2.5.2 / §7.1.5), a value that breaks
// its field's declared type is malformed (bad-request), and either way nothing changes. Browser-safe.
import type { Element } from "@xmpp/xml";
import { COARSE_FIELD, COARSE_LIMITS, EXACT_FIELD, EXACT_LIMIT, SHARE_UNTIL_FIELD } from "../core/coarse.ts";
import type { ConfigChange, ConfigFieldChange } from "../core/config.ts";
import { fail, ok, type Result } from "../core/errors.ts";
import { parseDateTime } from "../core/geoloc.ts";
import { normaliseBare } from "../core/jid.ts";
import { ACCESS_MODELS, isAccessModel, type NodeConfig } from "../core/model.ts";
import { buildForm, type SubmittedForm } from "./forms.ts";
import { NS } from "./ns.ts";
import { stamp } from "./time.ts";

/** What reading a field may depend on: pubsub#max_items is bounded by the service's settings. */
export interface ConfigLimits {
  maxItemsLimit: number;
}

export interface ConfigField {
  var: string;
  /** XEP-0004 §3.3 field type: what the service's form declares and how a submitted value is read */
  type: "list-single" | "text-single" | "jid-multi";
  label?: string;
  /** list-single: the values offered */
  options?: readonly string[];
  /** the field's submitted values as a change of the configuration, or why they are refused */
  read(values: string[], limits: ConfigLimits): Result<Partial<NodeConfig>>;
  /** the field's value(s) for a configuration, as the forms and the meta-data show it */
  show(c: NodeConfig): string | string[];
}

const single = (name: string, values: string[]): Result<string> =>
  values.length <= 1
    ? ok(values[0] ?? "")
    : fail("bad-request", undefined, `${name} takes one value, not ${values.length}`);

/** A field of one value: `check` reads it. */
function oneValue(
  name: string,
  check: (v: string, limits: ConfigLimits) => Result<Partial<NodeConfig>>,
): ConfigField["read"] {
  return (values, limits) => {
    const v = single(name, values);
    return v.ok ? check(v.value, limits) : v;
  };
}

/** The supported fields, in the order of the forms the service sends. */
export const CONFIG_FIELDS: readonly ConfigField[] = [
  {
    var: "pubsub#access_model",
    type: "list-single",
    label: "Who may see this node",
    options: ACCESS_MODELS,
    read: oneValue("pubsub#access_model", (v) =>
      isAccessModel(v)
        ? ok({ accessModel: v })
        : fail("not-acceptable", "unsupported", `access model ${v} is not offered here (${ACCESS_MODELS.join(", ")})`),
    ),
    show: (c) => c.accessModel,
  },
  {
    var: COARSE_FIELD,
    type: "text-single",
    label: "Share only a position snapped to a grid of this many km (0 = precise)",
    read: oneValue(COARSE_FIELD, (v) => {
      const km = v === "" ? 0 : Number(v);
      if (!Number.isFinite(km) || (km !== 0 && (km < COARSE_LIMITS.min || km > COARSE_LIMITS.max))) {
        return fail(
          "not-acceptable",
          undefined,
          `${COARSE_FIELD} must be 0 (precise) or ${COARSE_LIMITS.min}-${COARSE_LIMITS.max} km`,
        );
      }
      return ok({ coarseKm: km });
    }),
    show: (c) => String(c.coarseKm),
  },
  // XEP-0004 §3.3 jid-multi: each value a JID (a malformed one is bad-request); kept as bare JIDs, sorted, once each
  {
    var: EXACT_FIELD,
    type: "jid-multi",
    label: "Who sees the exact position when the grid is on (you always do)",
    read(values) {
      const jids = new Set<string>();
      for (const v of values) {
        const jid = normaliseBare(v);
        if (!jid) return fail("bad-request", "invalid-jid", `${EXACT_FIELD}: ${v} is not a bare JID`);
        jids.add(jid);
      }
      if (jids.size > EXACT_LIMIT)
        return fail("not-acceptable", undefined, `${EXACT_FIELD} holds at most ${EXACT_LIMIT} JIDs`);
      return ok({ exact: [...jids].sort() });
    },
    show: (c) => c.exact,
  },
  // XEP-0082 DateTime (a value that is not one is malformed: bad-request); empty = no end
  {
    var: SHARE_UNTIL_FIELD,
    type: "text-single",
    label: "Stop sharing at (XEP-0082 date-time, e.g. 2026-12-02T18:00:00Z; empty = no end)",
    read: oneValue(SHARE_UNTIL_FIELD, (v) => {
      if (v === "") return ok({ shareUntil: undefined });
      const t = parseDateTime(v);
      return t === undefined
        ? fail(
            "bad-request",
            undefined,
            `${SHARE_UNTIL_FIELD} must be an XEP-0082 DateTime (e.g. 2026-12-02T18:00:00Z) or empty`,
          )
        : ok({ shareUntil: t });
    }),
    show: (c) => (c.shareUntil === undefined ? "" : stamp(c.shareUntil)),
  },
  {
    var: "pubsub#max_items",
    type: "text-single",
    label: "How many past positions to keep",
    read: oneValue("pubsub#max_items", (v, limits) => {
      const n = v === "max" ? limits.maxItemsLimit : Number(v);
      if (!Number.isInteger(n) || n < 1 || n > limits.maxItemsLimit)
        return fail("not-acceptable", "max-items-exceeded", `pubsub#max_items must be 1-${limits.maxItemsLimit}`);
      return ok({ maxItems: n });
    }),
    show: (c) => String(c.maxItems),
  },
  {
    var: "pubsub#title",
    type: "text-single",
    label: "A friendly name",
    read: oneValue("pubsub#title", (v) =>
      v.length > 256
        ? fail("not-acceptable", undefined, "pubsub#title is longer than 256 characters")
        : ok({ title: v }),
    ),
    show: (c) => c.title,
  },
  // XEP-0060 §7.1.2.3: items always carry their publisher; "owner" is not offered
  {
    var: "pubsub#itemreply",
    type: "list-single",
    options: ["publisher"],
    read: oneValue("pubsub#itemreply", (v) =>
      v === "publisher"
        ? ok({})
        : fail("not-acceptable", "unsupported", `pubsub#itemreply ${v} is not offered here (publisher)`),
    ),
    show: () => "publisher",
  },
];

const BY_VAR = new Map(CONFIG_FIELDS.map((f) => [f.var, f]));
const SUPPORTED = CONFIG_FIELDS.map((f) => f.var).join(", ");

/**
 * The change a submitted form asks for, field by field, or why it is refused. Every field must be one the service
 * supports and appear once. Fields left out keep their values (XEP-0004 §3.4 incomplete submission).
 */
export function readNodeConfig(form: SubmittedForm, limits: ConfigLimits): ConfigChange {
  const out: ConfigFieldChange[] = [];
  for (const f of form.fields) {
    if (out.some((o) => o.var === f.var)) return fail("bad-request", undefined, `${f.var} appears twice`);
    const field = BY_VAR.get(f.var);
    if (!field)
      return fail(
        "not-acceptable",
        undefined,
        `${f.var || "a field without a name"} is not supported here (supported: ${SUPPORTED})`,
      );
    const r = field.read(f.values, limits);
    if (!r.ok) return r;
    out.push({ var: f.var, change: r.value });
  }
  return ok(out);
}

/** A form from var -> value(s), read as a submitted one (limits: the default settings'), as tests write one. */
export function formOf(
  values: Record<string, string | string[]>,
  limits: ConfigLimits = { maxItemsLimit: 1000 },
): ConfigChange {
  return readNodeConfig(
    { fields: Object.entries(values).map(([v, x]) => ({ var: v, values: Array.isArray(x) ? x : [x] })) },
    limits,
  );
}

/** §8.2.1 / §8.3: the configuration form, every supported field with its current value. */
export function nodeConfigForm(c: NodeConfig): Element {
  return buildForm(
    "form",
    `${NS.pubsub}#node_config`,
    CONFIG_FIELDS.map((f) => ({
      var: f.var,
      type: f.type,
      label: f.label,
      value: f.show(c),
      options: f.options && [...f.options],
    })),
  );
}

// §5.4: the fields of the meta-data, in its order; geo#exact and geo#share_until are the owner's, never meta-data
const META_FIELDS = ["pubsub#access_model", "pubsub#itemreply", "pubsub#max_items", "pubsub#title", COARSE_FIELD];

/** The node meta-data fields of a configuration (§5.4), as values of a result form. */
export function nodeMetaFields(c: NodeConfig): Array<{ var: string; value: string | string[] }> {
  return META_FIELDS.map((v) => ({ var: v, value: BY_VAR.get(v)!.show(c) }));
}
