// Prints how long each test file took, slowest first, from the JSON report `npm test` writes (test/vitest.config.ts),
// so that CI shows where its minutes go. Usage: tsx test/support/file-times.ts [report.json]
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface Report {
  startTime: number;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: Array<{ name: string; startTime: number; endTime: number; status: string; assertionResults: unknown[] }>;
}

const file = process.argv[2] ?? "var/test-report.json";
let report: Report;
try {
  report = JSON.parse(readFileSync(file, "utf8")) as Report;
} catch (e) {
  console.error(`file-times: cannot read ${file} (${(e as Error).message}); run \`npm test\` first`);
  process.exit(1);
}
const rows = report.testResults
  .map((r) => ({
    file: relative(process.cwd(), r.name),
    ms: r.endTime - r.startTime,
    tests: r.assertionResults.length,
    status: r.status,
  }))
  .sort((a, b) => b.ms - a.ms);
const total = rows.reduce((s, r) => s + r.ms, 0);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
console.log(
  `test files by time (${rows.length} files, ${report.numTotalTests} tests, ` +
    `${seconds(total)} s summed over 2 workers):`,
);
for (const r of rows) {
  const status = r.status === "passed" ? "" : `${r.status}  `;
  console.log(`${seconds(r.ms).padStart(7)} s  ${String(r.tests).padStart(3)} tests  ${status}${r.file}`);
}
// the plain closing line a CI reader counts
const skipped = report.numPendingTests ? `, ${report.numPendingTests} skipped` : "";
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped}`);
