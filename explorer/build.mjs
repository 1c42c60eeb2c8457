// Builds the explorer's static assets into api/static/explorer/ (committed; the API serves them at
// /explore, with no Node.js at run time): src/main.ts and what it imports, bundled and minified by
// esbuild (openapi-fetch included, pinned in package-lock.json), with the page
// and its stylesheet copied beside it. Deterministic: tests/explorer rebuilds it and compares.
//
//   node explorer/build.mjs [--out DIR]
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
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
for (const name of ["index.html", "explorer.css"]) copyFileSync(join(here, "static", name), join(out, name));

for (const name of ["index.html", "explorer.js", "explorer.css"]) {
  const bytes = readFileSync(join(out, name));
  console.log(`${name}: ${statSync(join(out, name)).size} bytes, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
}
