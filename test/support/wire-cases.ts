// The wire fixtures of test/protocol-cases (format: test/protocol-cases/README.md): loading a case, resolving its
// placeholders, and comparing a received stanza with the expected one structurally (element names, namespaces,
// attributes as a set, children in order, text trimmed), with {any} and {$name} wildcards.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Element, parse } from "ltx";

export const CASES_DIR = new URL("../protocol-cases/", import.meta.url).pathname;

/** One step of a case: a stanza a user sends to the service, or one the service must send to a user. */
export type Step =
  | { kind: "in"; user: string; stanza: Element; fault?: string }
  | { kind: "out"; user: string; stanza?: Element; stanzaName?: string };

export interface WireCase {
  /** e.g. `xep0060/publish-own-node` */
  name: string;
  file: string;
  users: string[];
  steps: Step[];
  /** `<case stack='own'>`: the case needs a service nobody else has used (it reads every visible node) */
  ownStack: boolean;
}

/** Every `<suite>/<case>.xml` under the fixtures folder, sorted by name. */
export function loadCases(dir = CASES_DIR): WireCase[] {
  const cases: WireCase[] = [];
  for (const suite of readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    for (const f of readdirSync(join(dir, suite))
      .filter((f) => f.endsWith(".xml"))
      .sort()) {
      cases.push(parseCase(`${suite}/${f.slice(0, -4)}`, join(dir, suite, f)));
    }
  }
  return cases;
}

export function parseCase(name: string, file: string): WireCase {
  const root = parse(readFileSync(file, "utf8")) as Element;
  if (!root.is("case")) throw new Error(`${file}: the root element must be <case/>`);
  const steps: Step[] = [];
  const users = new Set<string>();
  for (const el of root.getChildElements()) {
    const stanzas = el.getChildElements();
    if (stanzas.length > 1) throw new Error(`${file}: <${el.name}/> holds one stanza`);
    if (el.is("in")) {
      const user = req(el, "from", file);
      if (!stanzas[0]) throw new Error(`${file}: <in/> holds one stanza`);
      steps.push({ kind: "in", user, stanza: stanzas[0], fault: el.attrs.fault });
      users.add(user);
    } else if (el.is("out")) {
      const user = req(el, "to", file);
      steps.push({ kind: "out", user, stanza: stanzas[0], stanzaName: el.attrs.stanza });
      users.add(user);
    } else throw new Error(`${file}: unknown step <${el.name}/>`);
  }
  // a user named only in a placeholder (e.g. whitelisted by another) is a user of the case too
  for (const m of readFileSync(file, "utf8").matchAll(/\{([a-z][a-z0-9]*)(?:\.full)?\}/gi)) {
    if (!["service", "domain", "any"].includes(m[1])) users.add(m[1]);
  }
  return { name, file, users: [...users], steps, ownStack: root.attrs.stack === "own" };
}

function req(el: Element, attr: string, file: string): string {
  const v = el.attrs[attr];
  if (!v) throw new Error(`${file}: <${el.name}/> needs ${attr}=`);
  return v;
}

/** The values placeholders stand for: `service`, `domain`, and per user `alice` (bare) and `alice.full`. */
export type Values = Map<string, string>;

const PLACEHOLDER = /\{([^{}\s]+)\}/g;
/** `{any}` and `{$name}`, split out of a value (odd indexes are the names) */
const WILDCARD = /\{(any|\$[^{}\s]+)\}/;

/** A copy of `el` with every `{name}` in attribute values and text replaced (wildcards are kept as they are). */
export function substitute(el: Element, values: Values, captures: Values = new Map()): Element {
  const sub = (s: string) =>
    s.replace(PLACEHOLDER, (m, k: string) => {
      if (k === "any") return m;
      if (k.startsWith("$")) return captures.get(k) ?? m;
      const v = values.get(k);
      if (v === undefined) throw new Error(`unknown placeholder ${m}`);
      return v;
    });
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) attrs[k] = sub(String(v));
  const copy = new Element(el.name, attrs);
  for (const c of el.children)
    copy.children.push(typeof c === "string" ? sub(c) : substitute(c as Element, values, captures));
  return copy;
}

/** Replaces the real JIDs in a received stanza by their placeholders (for recording a fixture). */
export function placeholders(el: Element, values: Values): Element {
  const pairs = [...values].sort((a, b) => b[1].length - a[1].length); // full JIDs before bare ones before the domain
  const sub = (s: string) => pairs.reduce((acc, [k, v]) => acc.split(v).join(`{${k}}`), s);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) attrs[k] = sub(String(v));
  const copy = new Element(el.name, attrs);
  for (const c of el.children) copy.children.push(typeof c === "string" ? sub(c) : placeholders(c as Element, values));
  return copy;
}

/**
 * The expected stanza with its wildcards filled from the received one at the same place: `{any}` takes the received
 * value, `{$name}` captures it the first time and is the captured value afterwards. A wildcard with nothing received
 * at its place stays as it is (and so shows in the diff).
 */
export function resolveWildcards(expected: Element, received: Element | undefined, captures: Values): Element {
  const fill = (want: string, got: string | undefined): string => {
    const parts = want.split(WILDCARD);
    if (parts.length === 1 || got === undefined) return want;
    // literal parts alternate with wildcard names: {any} matches anything, {$name} its captured value or anything
    const names: string[] = [];
    const pattern = parts
      .map((p, i) => {
        if (i % 2 === 0) return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const had = p === "any" ? undefined : captures.get(p);
        if (had !== undefined) return had.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(p);
        return "(.*?)";
      })
      .join("");
    const m = new RegExp(`^${pattern}$`, "s").exec(got);
    if (!m) return parts.map((p, i) => (i % 2 === 0 ? p : (captures.get(p) ?? `{${p}}`))).join("");
    names.forEach((n, i) => {
      if (n !== "any") captures.set(n, m[i + 1]);
    });
    return got;
  };
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(expected.attrs))
    attrs[k] = fill(String(v), received?.attrs[k] === undefined ? undefined : String(received.attrs[k]));
  const copy = new Element(expected.name, attrs);
  const text = textOf(expected);
  if (text) copy.children.push(fill(text, received && textOf(received)));
  const got = received?.getChildElements() ?? [];
  expected.getChildElements().forEach((c, i) => copy.children.push(resolveWildcards(c, got[i], captures)));
  return copy;
}

function textOf(el: Element): string {
  return el.children
    .filter((c): c is string => typeof c === "string")
    .join("")
    .trim();
}

/**
 * A canonical text of a stanza for comparison and diffs: one element per line, the namespace shown where it changes
 * (whether declared or inherited), attributes sorted (Prosody writes them in no fixed order), text trimmed.
 * Top-level stanzas are in jabber:client unless they say otherwise.
 */
export function canonical(el: Element, parentNs = "jabber:client", indent = ""): string {
  const ns = el.attrs.xmlns ?? parentNs;
  const attrs = Object.entries(el.attrs)
    .filter(([k]) => k !== "xmlns" && !k.startsWith("xmlns:"))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => ` ${k}=${JSON.stringify(String(v))}`);
  const head = `${indent}<${el.name}${ns !== parentNs ? ` xmlns=${JSON.stringify(ns)}` : ""}${attrs.join("")}`;
  const text = textOf(el);
  const kids = el.getChildElements();
  if (!text && kids.length === 0) return `${head}/>`;
  if (kids.length === 0) return `${head}>${JSON.stringify(text)}</${el.name}>`;
  const lines = [`${head}>`];
  if (text) lines.push(`${indent}  ${JSON.stringify(text)}`);
  for (const k of kids) lines.push(canonical(k, ns, `${indent}  `));
  lines.push(`${indent}</${el.name}>`);
  return lines.join("\n");
}

/** Pretty XML of a recorded stanza, as a fixture holds it (attributes in single quotes, two-space indent). */
export function pretty(el: Element, indent: string, parentNs = "jabber:client"): string {
  const ns = el.attrs.xmlns ?? parentNs;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/'/g, "&apos;");
  const attrs = Object.entries(el.attrs)
    .filter(([k]) => !(k === "xmlns" && ns === parentNs) && !k.startsWith("xmlns:"))
    .map(([k, v]) => ` ${k}='${esc(String(v))}'`)
    .join("");
  const text = textOf(el);
  const kids = el.getChildElements();
  if (!text && kids.length === 0) return `${indent}<${el.name}${attrs}/>`;
  if (kids.length === 0) return `${indent}<${el.name}${attrs}>${esc(text)}</${el.name}>`;
  return [
    `${indent}<${el.name}${attrs}>`,
    ...kids.map((k) => pretty(k, `${indent}  `, ns)),
    `${indent}</${el.name}>`,
  ].join("\n");
}
