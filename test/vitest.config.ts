import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // the JSON report feeds the per-file times .ci/run prints at the end (test/support/file-times.ts)
    reporters: ["default", ["json", { outputFile: "var/test-report.json" }]],
  },
});
