// Lines over 120 characters in the repository's own text files (prettier wraps code, not strings or comments):
// `npm run lint:lines` lists each as file:line and exits 1 when there is one. Counts characters, not bytes. In
// Markdown, a table row and a line of a fenced block (a program's output as it prints it) cannot be wrapped; in the
// XML wire fixtures, neither can a value (an attribute's, or a text that holds no space): such lines are exempt.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const LIMIT = 120;
const TEXT = /\.(ts|js|mjs|json|css|html|lua|conf|py|md|xml|sh)$|^\.ci\/run$/;
// data and generated files, kept as they come
const SKIP = /^package-lock\.json$|^client-web\/dist\/|\.geojson$|^test\/artifacts\//;

/** An XML line whose longest unbreakable part (at a space outside quotes) does not fit, indentation included. */
function unbreakableXml(line: string): boolean {
  const indent = line.length - line.trimStart().length;
  const units = line.trim().match(/(?:'[^']*'|"[^"]*"|[^\s'"])+/g) ?? [];
  return units.some((u) => indent + [...u].length > LIMIT);
}

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
      if (file.endsWith(".xml") && unbreakableXml(line)) return;
      long++;
      console.log(`${file}:${i + 1}: ${length} characters`);
    });
}
console.log(long ? `lint:lines: ${long} lines over ${LIMIT} characters` : `lint:lines: every line within ${LIMIT}`);
process.exitCode = long ? 1 : 0;
