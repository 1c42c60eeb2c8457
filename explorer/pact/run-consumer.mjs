#!/usr/bin/env node
// Runs the explorer's consumer pact tests and writes the pact file.
//
//   node explorer/pact/run-consumer.mjs                 # writes explorer/pact/pacts/ (commit it)
//   node explorer/pact/run-consumer.mjs --out DIR       # writes DIR/ (tests/explorer/test_pact.py)
//
// consumer.test.ts imports the real data layer (src/api.ts), so it is bundled first with esbuild
// (into a temporary folder, @pact-foundation/pact left external: its native core cannot be
// bundled), then run with `node --test`. The pact is written into that temporary folder (Pact
// merges into an existing file, so an interaction renamed or dropped would otherwise survive) and
// copied to the output folder only when every test passed: a failed run leaves the output as it
// was. Exits with node's status: non-zero on failure.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const PACT_FILE = "anchored-news-explorer-anchored-news-api.json";
const TIMEOUT_MS = 180_000;

function parseArgs(argv) {
  let out = join(HERE, "pacts");
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1]) out = resolve(argv[++i]);
    else if (argv[i].startsWith("--out=")) out = resolve(argv[i].slice("--out=".length));
    else {
      console.error(`usage: node explorer/pact/run-consumer.mjs [--out DIR]  (unknown argument: ${argv[i]})`);
      process.exit(2);
    }
  }
  return { out };
}

const { out } = parseArgs(process.argv.slice(2));
const require = createRequire(join(ROOT, "package.json"));
const esbuild = require("esbuild");
// The bundle lives outside the repository, where `@pact-foundation/pact` would not resolve:
// it is imported by its absolute file URL instead.
const pactEntry = pathToFileURL(require.resolve("@pact-foundation/pact")).href;

const work = mkdtempSync(join(tmpdir(), "explorer-pact-"));
let status = 1;
try {
  const bundle = join(work, "consumer.test.mjs");
  await esbuild.build({
    entryPoints: [join(HERE, "consumer.test.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    plugins: [
      {
        name: "pact-external",
        setup(build) {
          build.onResolve({ filter: /^@pact-foundation\/pact$/ }, () => ({ path: pactEntry, external: true }));
        },
      },
    ],
  });

  const written = join(work, "pacts");
  const run = spawnSync(process.execPath, ["--test", "--test-reporter=spec", bundle], {
    cwd: ROOT,
    // The Pact core reports usage over the network unless told not to.
    env: { PACT_DO_NOT_TRACK: "true", ...process.env, PACT_DIR: written },
    stdio: "inherit",
    timeout: TIMEOUT_MS,
  });
  if (run.error) console.error(`node --test failed to run: ${run.error.message}`);
  status = run.status ?? 1;
  if (status === 0) {
    mkdirSync(out, { recursive: true });
    copyFileSync(join(written, PACT_FILE), join(out, PACT_FILE));
    console.log(`pact written: ${join(out, PACT_FILE)}`);
  } else {
    console.error(`the consumer pact tests failed: ${join(out, PACT_FILE)} left as it was`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
