// Node configuration as submitted in a data form (XEP-0060 §8.2 owner form, §7.1.5 publish-options), read against
// one table of the fields the service supports. Nothing is ever "accepted and ignored": a field not in the table or
// a value the service does not offer is refused (not-acceptable, XEP-0060 §8.2.5.2 / §7.1.5), a value that breaks
// its field's declared type is malformed (bad-request), and either way nothing changes. Pure.
import { COARSE_FIELD, COARSE_LIMITS, EXACT_FIELD, EXACT_LIMIT, SHARE_UNTIL_FIELD } from "./coarse.ts";
import { parseDateTime } from "./geoloc.ts";
import { normaliseBare } from "./jid.ts";
import { fail, ok, type Result } from "./errors.ts";
import { ACCESS_MODELS, isAccessModel, type NodeConfig } from "./model.ts";

/** A submitted XEP-0004 form as values, FORM_TYPE already checked by protocol/: each field's values, in order. */
export interface SubmittedForm {
  fields: Array<{ var: string; values: string[] }>;
}

type Change = Partial<NodeConfig>;
type Field = {
  /** XEP-0004 §3.3 field type, also the type the service's form declares */
  type: "list-single" | "text-single" | "jid-multi";
  /** reads the field's values into a change of the configuration, or refuses them */
  read(values: string[], limits: { maxItemsLimit: number }): Result<Change>;
};

const single = (name: string, values: string[]): Result<string> =>
  values.length <= 1 ? ok(values[0] ?? "") : fail("bad-request", undefined, `${name} takes one value, not ${values.length}`);

/** The fields the service supports, keyed by var; the forms it sends list exactly these (protocol/config-form.ts). */
export const CONFIG_FIELDS: Record<string, Field> = {
  "pubsub#access_model": {
    type: "list-single",
    read(values) {
      const v = single("pubsub#access_model", values);
      if (!v.ok) return v;
      if (!isAccessModel(v.value)) return fail("not-acceptable", "unsupported", `access model ${v.value} is not offered here (${ACCESS_MODELS.join(", ")})`);
      return ok({ accessModel: v.value });
    },
  },
  [COARSE_FIELD]: {
    type: "text-single",
    read(values) {
      const v = single(COARSE_FIELD, values);
      if (!v.ok) return v;
      const km = v.value === "" ? 0 : Number(v.value);
      if (!Number.isFinite(km) || (km !== 0 && (km < COARSE_LIMITS.min || km > COARSE_LIMITS.max))) {
        return fail("not-acceptable", undefined, `${COARSE_FIELD} must be 0 (precise) or ${COARSE_LIMITS.min}-${COARSE_LIMITS.max} km`);
      }
      return ok({ coarseKm: km });
    },
  },
  // XEP-0004 §3.3 jid-multi: each value a JID (a malformed one is bad-request); kept as bare JIDs, sorted, once each
  [EXACT_FIELD]: {
    type: "jid-multi",
    read(values) {
      const jids = new Set<string>();
      for (const v of values) {
        const jid = normaliseBare(v);
        if (!jid) return fail("bad-request", "invalid-jid", `${EXACT_FIELD}: ${v} is not a bare JID`);
        jids.add(jid);
      }
      if (jids.size > EXACT_LIMIT) return fail("not-acceptable", undefined, `${EXACT_FIELD} holds at most ${EXACT_LIMIT} JIDs`);
      return ok({ exact: [...jids].sort() });
    },
  },
  // XEP-0082 DateTime (a value that is not one is malformed: bad-request); empty = no end
  [SHARE_UNTIL_FIELD]: {
    type: "text-single",
    read(values) {
      const v = single(SHARE_UNTIL_FIELD, values);
      if (!v.ok) return v;
      if (v.value === "") return ok({ shareUntil: undefined });
      const t = parseDateTime(v.value);
      return t === undefined ? fail("bad-request", undefined, `${SHARE_UNTIL_FIELD} must be an XEP-0082 DateTime (e.g. 2026-12-02T18:00:00Z) or empty`) : ok({ shareUntil: t });
    },
  },
  "pubsub#max_items": {
    type: "text-single",
    read(values, limits) {
      const v = single("pubsub#max_items", values);
      if (!v.ok) return v;
      const n = v.value === "max" ? limits.maxItemsLimit : Number(v.value);
      if (!Number.isInteger(n) || n < 1 || n > limits.maxItemsLimit) return fail("not-acceptable", "max-items-exceeded", `pubsub#max_items must be 1-${limits.maxItemsLimit}`);
      return ok({ maxItems: n });
    },
  },
  "pubsub#title": {
    type: "text-single",
    read(values) {
      const v = single("pubsub#title", values);
      if (!v.ok) return v;
      if (v.value.length > 256) return fail("not-acceptable", undefined, "pubsub#title is longer than 256 characters");
      return ok({ title: v.value });
    },
  },
  // XEP-0060 §7.1.2.3: items always carry their publisher; "owner" is not offered
  "pubsub#itemreply": {
    type: "list-single",
    read(values) {
      const v = single("pubsub#itemreply", values);
      if (!v.ok) return v;
      return v.value === "publisher" ? ok({}) : fail("not-acceptable", "unsupported", `pubsub#itemreply ${v.value} is not offered here (publisher)`);
    },
  },
};

/**
 * The change a submitted form asks for, or why it is refused. Every field must be one the service supports and
 * appear once. Fields left out keep their values (XEP-0004 §3.4 incomplete submission).
 */
export function readConfigForm(form: SubmittedForm, limits: { maxItemsLimit: number }): Result<Change> {
  const change: Change = {};
  const seen = new Set<string>();
  for (const f of form.fields) {
    if (seen.has(f.var)) return fail("bad-request", undefined, `${f.var} appears twice`);
    seen.add(f.var);
    const field = Object.hasOwn(CONFIG_FIELDS, f.var) ? CONFIG_FIELDS[f.var] : undefined;
    if (!field) return fail("not-acceptable", undefined, `${f.var || "a field without a name"} is not supported here (supported: ${Object.keys(CONFIG_FIELDS).join(", ")})`);
    const r = field.read(f.values, limits);
    if (!r.ok) return r;
    Object.assign(change, r.value);
  }
  return ok(change);
}

/** XEP-0060 §7.1.5: the fields of a (valid) form whose values differ from the node's configuration: unmet preconditions. */
export function unmet(config: NodeConfig, form: SubmittedForm, limits: { maxItemsLimit: number }): string[] {
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  return form.fields.filter((f) => {
    const r = CONFIG_FIELDS[f.var].read(f.values, limits);
    return r.ok && (Object.keys(r.value) as Array<keyof NodeConfig>).some((k) => differs(config[k], r.value[k]));
  }).map((f) => f.var);
}

/** A form from var -> value(s), as tests and in-process callers write one. */
export function formOf(values: Record<string, string | string[]>): SubmittedForm {
  return { fields: Object.entries(values).map(([v, x]) => ({ var: v, values: Array.isArray(x) ? x : [x] })) };
}
