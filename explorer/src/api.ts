// The explorer's data layer: every request a screen makes, through openapi-fetch and the types
// generated from openapi.yaml (schema.d.ts). Each screen's first paint is one call here, and each
// such call makes at most two requests, in parallel. The pact tests (explorer/pact/) drive these
// same functions against a mock server, so what a screen reads is what the pact records.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema";

type Schemas = components["schemas"];
export type Actor = Schemas["Actor"];
export type ActorRef = Schemas["ActorRef"];
export type Event = Schemas["Event"];
export type Source = Schemas["SourceWithText"];
export type Statement = Schemas["Statement"];
export type FacetBucket = Schemas["FacetBucket"];
export type Resolution = Schemas["Resolution"];
export type Span = Schemas["Span"];
export type Problem = Schemas["Problem"];
export type StatementQuery = NonNullable<operations["listStatements"]["parameters"]["query"]>;
export type StatementFacetQuery = operations["listStatementFacets"]["parameters"]["query"];
type Facet = StatementFacetQuery["facet"][number];

/** A failed request: the problem the API answered with (its `detail` is what a screen shows), or
 * a network failure described as one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title);
    this.status = status;
    this.problem = problem;
  }
}

/** A page of statements with what the screens read beside the rows. */
export interface StatementPage {
  statements: Statement[];
  total: number;
  /** The next page's cursor; null on the last page. */
  next: string | null;
  resolved: Resolution[];
  /** Full records of the actors the page refers to and the filters name, by id. */
  actors: Map<string, Actor>;
  /** The query that fetched it (without its cursor): what `extend` pages on with. */
  query: StatementQuery;
}

export interface ActorScreen {
  actor: Actor;
  /** The actors `actor` is affiliated with, nearest first (as far as the API included them). */
  ancestors: Actor[];
  withAffiliates: boolean;
  page: StatementPage;
  byStance: FacetBucket[];
  byTarget: FacetBucket[];
}

export interface EventScreen {
  event: Event;
  page: StatementPage;
}

/** What the search screen filters by; each list is OR-ed, the lists AND-ed (as the API does). */
export interface SearchFilters {
  q?: string;
  stance?: string[];
  speaker?: string[];
  target?: string[];
  event_type?: string[];
  /** Inclusive month range (YYYY-MM): the months chosen on the histogram, first to last. */
  months?: string[];
}

export interface SearchScreen {
  page: StatementPage;
  facets: Record<SearchFacet, FacetBucket[]>;
  /** The facets cut at the facet size: their least frequent values are not listed. */
  truncated: SearchFacet[];
  /** Links that download every statement matching the filters. */
  downloads: { csv: string; ndjson: string };
}

// Years as well as months: the histogram falls back to years when the months are too many to list.
export const SEARCH_FACETS = ["stance", "speaker", "target", "month", "year", "event_type"] as const satisfies readonly Facet[];
export type SearchFacet = (typeof SEARCH_FACETS)[number];
export const PAGE_SIZE = 50;
export const TIMELINE_SIZE = 100;

// The spec's filters are arrays with style form, explode false: `stance=condemn,accuse`.
const ARRAYS = { array: { style: "form", explode: false } } as const;

export class ExplorerApi {
  private readonly client;
  readonly baseUrl: string;

  /** `baseUrl` is "" in the browser (same origin); the pact tests pass the mock server's URL. */
  constructor(baseUrl = "", fetchImpl?: typeof fetch) {
    this.baseUrl = baseUrl;
    this.client = createClient<paths>({
      baseUrl,
      querySerializer: ARRAYS,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });
  }

  /** The actor page: the actor (by id, name or alias) with its statements, and their counts by
   * stance and by target. Two requests. */
  async actorScreen(name: string, withAffiliates = true): Promise<ActorScreen> {
    const filters = { actor: [name], ...(withAffiliates ? {} : { include_affiliates: false }) };
    const [page, facets] = await Promise.all([
      this.statements({ ...filters, include: ["actors"], limit: TIMELINE_SIZE }),
      this.facets(filters, ["stance", "target"]),
    ]);
    // An unknown name is no error to the list (it matches nothing, and says why in meta.resolved);
    // to the actor page it is: the resolution's message (with its suggestions) is what it shows.
    const resolution = page.resolved.find((r) => r.parameter === "actor");
    const actor = resolution?.matched ? page.actors.get(resolution.matched.id) : undefined;
    if (actor === undefined) throw new ApiError(404, notFound(resolution?.message ?? `No actor is named '${name}'.`));
    return {
      actor,
      ancestors: ancestorsOf(actor, page.actors),
      withAffiliates,
      page,
      byStance: facets.data.stance ?? [],
      byTarget: facets.data.target ?? [],
    };
  }

  /** The event page: the event (participants, location, sources, related events) and the
   * statements about it, with their speakers' records. Two requests. */
  async eventScreen(id: string): Promise<EventScreen> {
    const [event, page] = await Promise.all([
      this.get("/events/{event_id}", { event_id: id }),
      this.statements({ event: [id], include: ["actors"], limit: TIMELINE_SIZE }),
    ]);
    return { event, page };
  }

  /** The search page: a page of matching statements (with `highlights` when `q` is set) and the
   * counts of every search facet under the same filters. Two requests. */
  async searchScreen(filters: SearchFilters, cursor?: string): Promise<SearchScreen> {
    const query = searchQuery(filters);
    const [page, facets] = await Promise.all([
      this.statements({ ...query, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
      this.facets(query, [...SEARCH_FACETS]),
    ]);
    const counts = Object.fromEntries(SEARCH_FACETS.map((f) => [f, facets.data[f] ?? []])) as SearchScreen["facets"];
    const truncated = SEARCH_FACETS.filter((f) => facets.meta.truncated.includes(f));
    return { page, facets: counts, truncated, downloads: this.downloads(query) };
  }

  /** Adds the next page of `page` to it, in place (one request): a screen's "Load more". The
   * screen's data is the page object, so a later render of the same screen shows every row. */
  async extend(page: StatementPage): Promise<void> {
    if (page.next === null) return;
    const next = await this.statements({ ...page.query, cursor: page.next });
    page.statements.push(...next.statements);
    for (const [id, actor] of next.actors) page.actors.set(id, actor);
    page.next = next.next;
  }

  /** A source with its text, to show a statement or an event at its span (one request). */
  async source(id: string): Promise<Source> {
    return this.get("/sources/{source_id}", { source_id: id });
  }

  /** The URLs of the CSV and NDJSON exports of the statements a query selects. */
  downloads(query: StatementQuery): { csv: string; ndjson: string } {
    const search = serialize(query);
    return {
      csv: `${this.baseUrl}/statements.csv${search}`,
      ndjson: `${this.baseUrl}/statements.ndjson${search}`,
    };
  }

  async statements(query: StatementQuery): Promise<StatementPage> {
    const { data, error, response } = await this.client.GET("/statements", { params: { query } });
    if (error !== undefined) throw new ApiError(response.status, error);
    const actors = new Map((data.included?.actors ?? []).map((a) => [a.id, a]));
    const { cursor: _cursor, ...unpaged } = query;
    return {
      statements: data.data,
      total: data.meta.total,
      next: data.meta.next_cursor,
      resolved: data.meta.resolved,
      actors,
      query: unpaged,
    };
  }

  private async facets(
    query: Omit<StatementFacetQuery, "facet">,
    facet: Facet[],
  ): Promise<Schemas["StatementFacets"]> {
    const params = { query: { ...query, facet, facet_size: 50 } };
    const { data, error, response } = await this.client.GET("/statements/facets", { params });
    if (error !== undefined) throw new ApiError(response.status, error);
    return data;
  }

  private async get<P extends "/events/{event_id}" | "/sources/{source_id}">(
    path: P,
    ids: P extends "/events/{event_id}" ? { event_id: string } : { source_id: string },
  ): Promise<P extends "/events/{event_id}" ? Event : Source> {
    // One generic path for the two item reads; openapi-fetch checks each path's parameters.
    const { data, error, response } = await (this.client.GET as (
      p: string,
      init: { params: { path: typeof ids } },
    ) => Promise<{ data?: Event | Source; error?: Problem; response: Response }>)(path, { params: { path: ids } });
    if (error !== undefined || data === undefined) throw new ApiError(response.status, error ?? notFound(path));
    return data as P extends "/events/{event_id}" ? Event : Source;
  }
}

/** The list query of a search: speakers and targets are exact (the facets count them so). */
export function searchQuery(filters: SearchFilters): StatementQuery {
  const query: StatementQuery = {};
  if (filters.q) query.q = filters.q;
  if (filters.stance?.length) query.stance = filters.stance as NonNullable<StatementQuery["stance"]>;
  if (filters.speaker?.length) query.actor = filters.speaker;
  if (filters.target?.length) query.target = filters.target;
  if (filters.event_type?.length) query.event_type = filters.event_type as NonNullable<StatementQuery["event_type"]>;
  if (filters.speaker?.length || filters.target?.length) query.include_affiliates = false;
  const [first, last] = monthRange(filters.months ?? []);
  if (first !== undefined && last !== undefined) {
    query.since = `${first}-01`;
    query.until = `${last}-${String(daysIn(last)).padStart(2, "0")}`;
  }
  return query;
}

/** A query string as openapi-fetch sends it (lists comma-separated), with its leading "?". */
export function serialize(query: StatementQuery): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const text = Array.isArray(value) ? value.map((v) => encodeURIComponent(String(v))).join(",") : encodeURIComponent(String(value));
    parts.push(`${encodeURIComponent(key)}=${text}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** The first and last of some months (YYYY-MM; others ignored): the range a search covers. */
export function monthRange(months: readonly string[]): [string | undefined, string | undefined] {
  const valid = months.filter((m) => /^\d{4}-\d{2}$/.test(m)).sort();
  return [valid[0], valid[valid.length - 1]];
}

function daysIn(month: string): number {
  const [year, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, m, 0)).getUTCDate();
}

function ancestorsOf(actor: Actor, actors: Map<string, Actor>): Actor[] {
  const chain: Actor[] = [];
  let parent = actor.affiliation;
  while (parent && !chain.some((a) => a.id === parent?.id)) {
    const record = actors.get(parent.id);
    if (record === undefined) break;
    chain.push(record);
    parent = record.affiliation;
  }
  return chain;
}

function notFound(detail: string): Problem {
  return { type: "about:blank", title: "Not Found", status: 404, detail, instance: "" } as Problem;
}
