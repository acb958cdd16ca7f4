// Prints the figures as a plain-text table and writes them as JSON.
import { writeFileSync } from "node:fs";
import type { Figure } from "./stats.ts";

function fmt(v: number, unit: string): string {
  if (!Number.isFinite(v)) return "n/a";
  if (unit === "x") return v.toFixed(2);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}

/** The rounds' lowest to highest value; empty for a single round. */
function range(f: Figure): string {
  return f.rounds > 1 ? `${fmt(f.min, f.unit)} to ${fmt(f.max, f.unit)}` : "";
}

export function renderTable(figs: Figure[]): string {
  const rows = figs.map((f) => [
    f.section,
    f.name,
    fmt(f.value, f.unit),
    f.unit,
    String(f.rounds),
    range(f),
    f.note ?? "",
  ]);
  const head = ["section", "figure", "median", "unit", "rounds", "range of the rounds", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function writeJson(file: string, meta: object, figs: Figure[]): void {
  writeFileSync(file, JSON.stringify({ ...meta, figures: figs }, null, 2) + "\n");
}
