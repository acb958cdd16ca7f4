// Lines over 120 characters in the repository's own text files (prettier wraps code, not strings or comments):
// `npm run lint:lines` lists each as file:line and exits 1 when there is one. Counts characters, not bytes. In
// Markdown, a table row and a line of a fenced block (a program's output as it prints it) cannot be wrapped: exempt.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const LIMIT = 120;
const TEXT = /\.(ts|js|mjs|json|css|html|lua|conf|py|md|xml|sh)$|^\.ci\/run$/;
// data and generated files, kept as they come
const SKIP = /^package-lock\.json$|^client-web\/dist\/|\.geojson$|^test\/artifacts\//;

const files = execFileSync("git", ["ls-files"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => f && TEXT.test(f) && !SKIP.test(f));
let long = 0;
for (const file of files) {
  let fenced = false;
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const markdown = file.endsWith(".md");
      if (markdown && line.startsWith("```")) fenced = !fenced;
      const length = [...line].length;
      if (length <= LIMIT || (markdown && (fenced || line.startsWith("|")))) return;
      long++;
      console.log(`${file}:${i + 1}: ${length} characters`);
    });
}
console.log(long ? `lint:lines: ${long} lines over ${LIMIT} characters` : `lint:lines: every line within ${LIMIT}`);
process.exitCode = long ? 1 : 0;
