// Parses an AsyncAPI document with the official parser and prints, as JSON, whether it
// parsed and every diagnostic (severity 0 error, 1 warning, 2 information, 3 hint).
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const text = readFileSync(process.argv[2], "utf8");
const { document, diagnostics } = await new Parser().parse(text);
const found = diagnostics.map(({ severity, code, message, path }) => ({ severity, code, message, path }));
console.log(JSON.stringify({ parsed: Boolean(document), diagnostics: found }));
