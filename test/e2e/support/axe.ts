// An axe-core audit of a page in Chromium: the serious and critical violations, and a readable summary of them.
// axe is evaluated through the DevTools protocol, not added as a <script>: a page under a Content-Security-Policy
// without inline scripts (sharing.test.ts) would block the tag, and report it as a violation.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

export async function audit(p: Page): Promise<Violation[]> {
  if (!(await p.evaluate("typeof window.axe !== 'undefined'"))) await p.evaluate(readFileSync(AXE, "utf8"));
  const r = (await p.evaluate("window.axe.run(document, { resultTypes: ['violations'] })")) as {
    violations: Violation[];
  };
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export const summary = (vs: Violation[]) =>
  vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
