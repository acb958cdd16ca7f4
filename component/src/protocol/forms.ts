// XEP-0004 data forms: reading submitted values, building result forms.
import xml, { type Element } from "@xmpp/xml";
import { fail, ok, type Result } from "../core/errors.ts";
import { NS } from "./ns.ts";

/** var -> first value of a submitted form (type submit), or undefined when `el` is not a form. */
export function readForm(el: Element | undefined): Record<string, string> | undefined {
  if (!el || el.name !== "x" || el.attrs.xmlns !== NS.dataForms) return undefined;
  const out: Record<string, string> = {};
  for (const f of el.getChildren("field")) {
    const v = f.attrs.var;
    if (v) out[v] = f.getChildText("value") ?? "";
  }
  return out;
}

/** A submitted XEP-0004 form as values, FORM_TYPE already checked: each field's values, in order. */
export interface SubmittedForm {
  fields: Array<{ var: string; values: string[] }>;
}

/**
 * A form submitted as the configuration of something (XEP-0060 §8.2.4 node_config, §7.1.5 publish-options): every
 * value of every field but FORM_TYPE. FORM_TYPE (XEP-0068) must be `formType` when present; the form must be of type
 * submit, or cancel (XEP-0004 §3.1: the submitter cancels; nothing changes) where `cancel` is allowed.
 */
export function readSubmission(el: Element | undefined, formType: string): Result<SubmittedForm | "cancel"> {
  if (!el || el.name !== "x" || el.attrs.xmlns !== NS.dataForms)
    return fail("bad-request", undefined, `expected a ${formType} data form`);
  if (el.attrs.type === "cancel") return ok("cancel");
  if (el.attrs.type !== "submit")
    return fail("bad-request", undefined, "a submitted data form has type submit (XEP-0004 §3.1)");
  const fields: SubmittedForm["fields"] = [];
  for (const f of el.getChildren("field")) {
    const values = f.getChildren("value").map((v) => v.getText());
    if (f.attrs.var === "FORM_TYPE") {
      if (values.length !== 1 || values[0] !== formType)
        return fail("bad-request", undefined, `FORM_TYPE must be ${formType}`);
      continue;
    }
    fields.push({ var: f.attrs.var ?? "", values });
  }
  return ok({ fields });
}

export interface FormField {
  var: string;
  type?: string;
  label?: string;
  value: string | string[];
  options?: string[];
}

export function buildForm(type: "form" | "result", formType: string, fields: FormField[]): Element {
  const x = xml(
    "x",
    { xmlns: NS.dataForms, type },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, formType)),
  );
  for (const f of fields) {
    const field = xml("field", { var: f.var, type: f.type, label: f.label });
    for (const o of f.options ?? []) field.append(xml("option", {}, xml("value", {}, o)));
    for (const v of Array.isArray(f.value) ? f.value : [f.value]) field.append(xml("value", {}, v));
    x.append(field);
  }
  return x;
}
