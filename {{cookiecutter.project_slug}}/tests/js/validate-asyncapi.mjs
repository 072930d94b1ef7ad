// Parses AsyncAPI documents with the official parser and prints, as JSON, a list with one
// entry per file: whether it parsed, and every diagnostic (severity 0 error, 1 warning,
// 2 information, 3 hint).
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
const results = [];
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"));
  const found = diagnostics.map(({ severity, code, message, path }) => ({ severity, code, message, path }));
  results.push({ file, parsed: Boolean(document), diagnostics: found });
}
console.log(JSON.stringify(results));
