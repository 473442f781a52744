// sarif-check.mjs - validate SARIF logs against the SARIF 2.1.0 JSON schema.
//
// The schema is the one that ships with @microsoft/sarif-multitool-linux
// (draft 2020-12), checked with ajv and ajv-formats, so no network is needed.
// The multitool itself misses some defects (an unknown `level` makes it report
// nothing at all), which is why this check runs as well.
//
//   node sarif-check.mjs [--schema SCHEMA.json] FILE.sarif...
//
// Exit status: 0 every file is valid, 1 at least one is invalid,
// 2 usage error, unreadable file, or a file that is not JSON.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const here = dirname(fileURLToPath(import.meta.url));
let schemaPath = join(here, "node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json");
const files = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--schema" && i + 1 < args.length) schemaPath = args[++i];
  else if (args[i] === "-h" || args[i] === "--help") {
    console.log("usage: node sarif-check.mjs [--schema SCHEMA.json] FILE.sarif...");
    process.exit(0);
  } else files.push(args[i]);
}
if (files.length === 0) {
  console.error("usage: node sarif-check.mjs [--schema SCHEMA.json] FILE.sarif...");
  process.exit(2);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

let validate;
try {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  validate = ajv.compile(readJson(schemaPath));
} catch (e) {
  console.error(`sarif-check: cannot load the schema ${schemaPath}: ${e.message}`);
  process.exit(2);
}

let status = 0;
for (const file of files) {
  let log;
  try {
    log = readJson(file);
  } catch (e) {
    console.error(`${file}: error: not readable JSON: ${e.message}`);
    status = 2;
    continue;
  }
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0`);
    continue;
  }
  for (const err of validate.errors) {
    console.error(`${file}: error: ${err.instancePath || "/"} ${err.message}` +
      (err.params && Object.keys(err.params).length ? ` ${JSON.stringify(err.params)}` : ""));
  }
  if (status === 0) status = 1;
}
process.exit(status);
