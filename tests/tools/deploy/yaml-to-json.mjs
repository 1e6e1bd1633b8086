// Prints the documents of a YAML file (or of stdin, with "-") as one JSON array, for tests written in C#.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const file = process.argv[2];
if (!file) {
  console.error("usage: node yaml-to-json.mjs FILE|-");
  process.exit(2);
}
const docs = parseAllDocuments(readFileSync(file === "-" ? 0 : file, "utf8"));
const bad = docs.flatMap((d) => d.errors);
if (bad.length > 0) {
  console.error(bad.map((e) => e.message).join("\n"));
  process.exit(1);
}
console.log(JSON.stringify(docs.map((d) => d.toJS())));
