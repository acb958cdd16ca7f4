// XEP-0004 data forms: reading submitted values, building result forms.
import xml, { type Element } from "@xmpp/xml";
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

export interface FormField {
  var: string;
  type?: string;
  label?: string;
  value: string | string[];
  options?: string[];
}

export function buildForm(type: "form" | "result", formType: string, fields: FormField[]): Element {
  const x = xml("x", { xmlns: NS.dataForms, type }, xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, formType)));
  for (const f of fields) {
    const field = xml("field", { var: f.var, type: f.type, label: f.label });
    for (const o of f.options ?? []) field.append(xml("option", {}, xml("value", {}, o)));
    for (const v of Array.isArray(f.value) ? f.value : [f.value]) field.append(xml("value", {}, v));
    x.append(field);
  }
  return x;
}
