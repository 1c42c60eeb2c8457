// Builds the explorer's script into api/static/explorer/explorer.js (committed; the API serves it at
// /explore, with no Node.js at run time): src/main.ts and what it imports, bundled and minified by
// esbuild (openapi-fetch included, pinned in package-lock.json). The page and its stylesheet
// (index.html, explorer.css) are written by hand in that folder, beside it. Deterministic:
// tests/explorer rebuilds the bundle and compares.
//
//   node explorer/build.mjs [--out DIR]
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const outFlag = process.argv.indexOf("--out");
const out = resolve(outFlag > 0 ? process.argv[outFlag + 1] : join(root, "api", "static", "explorer"));
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, "src", "main.ts")],
  outfile: join(out, "explorer.js"),
  bundle: true,
  format: "esm",
  target: ["es2020"],
  platform: "browser",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
const bundle = join(out, "explorer.js");
console.log(`explorer.js: ${statSync(bundle).size} bytes, ${gzipSync(readFileSync(bundle), { level: 9 }).length} gzipped`);
