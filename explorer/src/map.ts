// The explorer's offline base map: draws api/static/explorer/basemap.json (a TopoJSON topology with
// the objects `countries` and `regions`, built by explorer/map/build-map.mjs) around one point.
//
// The SVG is built with createElementNS and textContent only, and carries no style attributes (the
// page's CSP has style-src 'self'): the page's stylesheet styles the classes map-country, map-region
// (map-region-current: the region holding the point), map-border, map-point and map-label. Holes
// are drawn with fill-rule="evenodd", a presentation attribute.
//
// renderMap is the module's only export; its parameter types (Topology, MapPoint, MapOptions) are
// declared here, and callers can name them as Parameters<typeof renderMap>[i].
//
// The projection is equirectangular with x scaled by cos(latitude of the centre), centred on the
// point: good enough for a few degrees around it. Rings are cut to a rectangle slightly larger than
// the view, and rings wholly outside it are skipped.

const SVG_NS = "http://www.w3.org/2000/svg";

// ---- a minimal TopoJSON type -------------------------------------------------------------------

interface MapProperties {
  name?: string | null;
  /** countries: ISO 3166-1 alpha-2, when known */
  iso_a2?: string;
  /** regions: the country's ISO 3166-1 alpha-2 */
  country?: string;
}

interface PolygonGeometry {
  type: "Polygon";
  arcs: number[][];
  properties?: MapProperties;
}

interface MultiPolygonGeometry {
  type: "MultiPolygon";
  arcs: number[][][];
  properties?: MapProperties;
}

/** Any other geometry (points, lines, null): not drawn. */
interface OtherGeometry {
  type: "Point" | "MultiPoint" | "LineString" | "MultiLineString" | null;
  properties?: MapProperties;
}

type TopoGeometry = PolygonGeometry | MultiPolygonGeometry | OtherGeometry;

interface GeometryCollection {
  type: "GeometryCollection";
  geometries: TopoGeometry[];
}

interface Topology {
  type: "Topology";
  transform?: { scale: [number, number]; translate: [number, number] };
  bbox?: number[];
  objects: Record<string, GeometryCollection | TopoGeometry | undefined>;
  arcs: number[][][];
}

interface MapPoint {
  lat: number;
  lon: number;
  label: string;
}

interface MapOptions {
  /** Width of the viewBox (default 640). */
  width?: number;
  /** Height of the viewBox (default 400). */
  height?: number;
  /** Degrees of latitude across the shorter side of the view (default 8). */
  spanDegrees?: number;
}

// ---- decoding ----------------------------------------------------------------------------------

type Position = [number, number]; // [lon, lat]

interface Box {
  west: number;
  south: number;
  east: number;
  north: number;
}

interface DecodedArc {
  points: Position[];
  box: Box;
}

const decodedArcs = new WeakMap<Topology, DecodedArc[]>();

/** The topology's arcs in degrees (quantized, delta-encoded arcs are decoded), with bounding boxes. */
function arcsOf(topology: Topology): DecodedArc[] {
  const cached = decodedArcs.get(topology);
  if (cached) return cached;
  const t = topology.transform;
  const arcs = topology.arcs.map((arc): DecodedArc => {
    const points: Position[] = [];
    let x = 0;
    let y = 0;
    const box: Box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
    for (const p of arc) {
      const px = p[0] ?? 0;
      const py = p[1] ?? 0;
      let lon: number;
      let lat: number;
      if (t) {
        x += px;
        y += py;
        lon = x * t.scale[0] + t.translate[0];
        lat = y * t.scale[1] + t.translate[1];
      } else {
        lon = px;
        lat = py;
      }
      points.push([lon, lat]);
      if (lon < box.west) box.west = lon;
      if (lon > box.east) box.east = lon;
      if (lat < box.south) box.south = lat;
      if (lat > box.north) box.north = lat;
    }
    return { points, box };
  });
  decodedArcs.set(topology, arcs);
  return arcs;
}

/** The bounding box of a ring (a list of arc indices; ~i is arc i reversed). */
function ringBox(arcs: DecodedArc[], ring: number[]): Box {
  const box: Box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  for (const index of ring) {
    const arc = arcs[index < 0 ? ~index : index];
    if (!arc) continue;
    box.west = Math.min(box.west, arc.box.west);
    box.east = Math.max(box.east, arc.box.east);
    box.south = Math.min(box.south, arc.box.south);
    box.north = Math.max(box.north, arc.box.north);
  }
  return box;
}

/** The positions of a ring (a list of arc indices; ~i is arc i reversed). */
function ringPoints(arcs: DecodedArc[], ring: number[]): Position[] {
  const points: Position[] = [];
  for (const index of ring) {
    const arc = arcs[index < 0 ? ~index : index];
    if (!arc) continue;
    const part = index < 0 ? arc.points.slice().reverse() : arc.points;
    // Consecutive arcs share their junction point: drop the repeat.
    points.push(...(points.length ? part.slice(1) : part));
  }
  return points;
}

function polygonsOf(geometry: TopoGeometry): number[][][] {
  if (geometry.type === "Polygon") return [(geometry as PolygonGeometry).arcs];
  if (geometry.type === "MultiPolygon") return (geometry as MultiPolygonGeometry).arcs;
  return [];
}

function geometriesOf(topology: Topology, key: string): TopoGeometry[] {
  const object = topology.objects[key];
  if (!object) return [];
  return object.type === "GeometryCollection" ? (object as GeometryCollection).geometries : [object as TopoGeometry];
}

// ---- projection --------------------------------------------------------------------------------

interface Projection {
  /** [x, y] in viewBox units of a [lon, lat] position (lon already unwrapped near the centre). */
  project(lon: number, lat: number): [number, number];
  /** The area the view shows, in degrees (west/east may exceed ±180 near the antimeridian). */
  view: Box;
  width: number;
  height: number;
  /** viewBox units per degree of latitude. */
  scale: number;
}

function makeProjection(
  center: { lat: number; lon: number },
  options: MapOptions = {},
): Projection {
  const width = positive(options.width, 640);
  const height = positive(options.height, 400);
  const span = positive(options.spanDegrees, 8);
  const lat0 = Math.max(-85, Math.min(85, center.lat));
  const lon0 = center.lon;
  const cos0 = Math.max(0.1, Math.cos((lat0 * Math.PI) / 180));
  const scale = Math.min(width, height) / span;
  const halfLon = width / 2 / (scale * cos0);
  const halfLat = height / 2 / scale;
  return {
    project(lon: number, lat: number): [number, number] {
      return [width / 2 + (lon - lon0) * cos0 * scale, height / 2 - (lat - lat0) * scale];
    },
    view: { west: lon0 - halfLon, east: lon0 + halfLon, south: lat0 - halfLat, north: lat0 + halfLat },
    width,
    height,
    scale,
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

// ---- clipping ----------------------------------------------------------------------------------

/** Sutherland–Hodgman: the part of a closed ring inside the box (edges along the box are kept, so
 * the box must be a little larger than what is visible). */
function clipRing(ring: Position[], box: Box): Position[] {
  const edges: [(p: Position) => boolean, (a: Position, b: Position) => Position][] = [
    [(p) => p[0] >= box.west, (a, b) => atX(a, b, box.west)],
    [(p) => p[0] <= box.east, (a, b) => atX(a, b, box.east)],
    [(p) => p[1] >= box.south, (a, b) => atY(a, b, box.south)],
    [(p) => p[1] <= box.north, (a, b) => atY(a, b, box.north)],
  ];
  let output = ring;
  for (const [inside, intersect] of edges) {
    const input = output;
    output = [];
    if (!input.length) break;
    let previous = input[input.length - 1] as Position;
    for (const current of input) {
      if (inside(current)) {
        if (!inside(previous)) output.push(intersect(previous, current));
        output.push(current);
      } else if (inside(previous)) {
        output.push(intersect(previous, current));
      }
      previous = current;
    }
  }
  return output;
}

function atX(a: Position, b: Position, x: number): Position {
  return [x, a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0])];
}

function atY(a: Position, b: Position, y: number): Position {
  return [a[0] + ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]), y];
}

function intersects(a: Box, b: Box): boolean {
  return a.west <= b.east && a.east >= b.west && a.south <= b.north && a.north >= b.south;
}

// ---- point in polygon --------------------------------------------------------------------------

function inRing(lon: number, lat: number, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as Position;
    const [xj, yj] = ring[j] as Position;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function contains(arcs: DecodedArc[], geometry: TopoGeometry, lon: number, lat: number): boolean {
  return polygonsOf(geometry).some(([outer, ...holes]) => {
    if (!outer) return false;
    const box = ringBox(arcs, outer);
    if (lon < box.west || lon > box.east || lat < box.south || lat > box.north) return false;
    return (
      inRing(lon, lat, ringPoints(arcs, outer)) && !holes.some((hole) => inRing(lon, lat, ringPoints(arcs, hole)))
    );
  });
}

/** The names of the country and the region (if the map has one there) that contain the point. */
function locate(
  topology: Topology,
  point: { lat: number; lon: number },
): { country?: string; region?: string } {
  const arcs = arcsOf(topology);
  const found: { country?: string; region?: string } = {};
  const lon = ((((point.lon + 180) % 360) + 360) % 360) - 180;
  for (const [key, field] of [
    ["countries", "country"],
    ["regions", "region"],
  ] as const) {
    const hit = geometriesOf(topology, key).find(
      (g) => g.properties?.name && contains(arcs, g, lon, point.lat),
    );
    const name = hit?.properties?.name;
    if (name) found[field] = name;
  }
  return found;
}

// ---- rendering ---------------------------------------------------------------------------------

function svgElement<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** The SVG path data of a geometry in the view, or "" when none of it is visible. */
function pathData(arcs: DecodedArc[], geometry: TopoGeometry, projection: Projection, clip: Box): string {
  const lon0 = (projection.view.west + projection.view.east) / 2;
  const parts: string[] = [];
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      const ringBounds = ringBox(arcs, ring);
      // A ring straddling the antimeridian (stored as one ring spanning ±180) is not drawn.
      if (!(ringBounds.east - ringBounds.west <= 180)) continue;
      // Bring the ring to the copy of the world nearest the centre.
      const shift = Math.round((lon0 - (ringBounds.west + ringBounds.east) / 2) / 360) * 360;
      const box = { ...ringBounds, west: ringBounds.west + shift, east: ringBounds.east + shift };
      if (!intersects(box, clip)) continue;
      const points = ringPoints(arcs, ring);
      const shifted = shift ? points.map(([x, y]): Position => [x + shift, y]) : points;
      const clipped = clipRing(shifted, clip);
      if (clipped.length < 3) continue;
      const d = clipped.map(([lon, lat], k) => {
        const [x, y] = projection.project(lon, lat);
        return `${k ? "L" : "M"}${round(x)},${round(y)}`;
      });
      parts.push(`${d.join("")}Z`);
    }
  }
  return parts.join("");
}

function drawLayer(
  svg: SVGSVGElement,
  topology: Topology,
  key: string,
  className: string,
  projection: Projection,
  clip: Box,
  current?: string,
): void {
  const arcs = arcsOf(topology);
  const group = svgElement("g", { class: `${className}s` });
  for (const geometry of geometriesOf(topology, key)) {
    const d = pathData(arcs, geometry, projection, clip);
    if (!d) continue;
    const properties = geometry.properties ?? {};
    const here = current !== undefined && properties.name === current;
    const path = svgElement("path", { class: here ? `${className} ${className}-current` : className, d, "fill-rule": "evenodd" });
    if (properties.name) path.setAttribute("data-name", properties.name);
    if (properties.country) path.setAttribute("data-country", properties.country);
    else if (properties.iso_a2) path.setAttribute("data-country", properties.iso_a2);
    group.appendChild(path);
  }
  svg.appendChild(group);
}

/** An <svg> map of the area around the point, with the point marked and labelled. */
export function renderMap(topology: Topology, point: MapPoint, options: MapOptions = {}): SVGSVGElement {
  if (!Number.isFinite(point.lat) || !Number.isFinite(point.lon)) {
    throw new RangeError(`renderMap: not a position: ${point.lat}, ${point.lon}`);
  }
  const projection = makeProjection(point, options);
  const { width, height, view } = projection;
  // Cut rings a little outside the view, so the cut edges are not visible.
  const marginLon = (view.east - view.west) * 0.05;
  const marginLat = (view.north - view.south) * 0.05;
  const clip: Box = {
    west: view.west - marginLon,
    east: view.east + marginLon,
    south: view.south - marginLat,
    north: view.north + marginLat,
  };

  const place = locate(topology, point);
  const within = [place.region, place.country].filter((name, i, all) => name && all.indexOf(name) === i);
  const description = `Map of the area around ${point.label}${within.length ? ` (${within.join(", ")})` : ""}`;

  const svg = svgElement("svg", {
    viewBox: `0 0 ${round(width)} ${round(height)}`,
    role: "img",
    "aria-label": description,
    preserveAspectRatio: "xMidYMid meet",
  });
  const title = svgElement("title");
  title.textContent = description;
  svg.appendChild(title);

  // Land first, then the regions (the one holding the point shaded), then country borders over them.
  drawLayer(svg, topology, "countries", "map-country", projection, clip);
  drawLayer(svg, topology, "regions", "map-region", projection, clip, place.region);
  drawLayer(svg, topology, "countries", "map-border", projection, clip);

  const [cx, cy] = projection.project(point.lon, point.lat);
  const radius = Math.max(3, Math.min(width, height) / 80);
  const marker = svgElement("g", { class: "map-marker" });
  const circle = svgElement("circle", {
    class: "map-point",
    "data-kind": "event-point",
    cx: round(cx),
    cy: round(cy),
    r: round(radius),
  });
  const circleTitle = svgElement("title");
  circleTitle.textContent = point.label;
  circle.appendChild(circleTitle);
  const text = svgElement("text", {
    class: "map-label",
    x: round(cx + radius * 1.6),
    y: round(cy + radius),
  });
  text.textContent = point.label;
  marker.append(circle, text);
  svg.appendChild(marker);
  return svg;
}
