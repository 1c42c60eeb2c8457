// A search screen in a few typed requests (API 3.0), through openapi-fetch and src/schema.d.ts: how
// the statements matching a search divide by stance and month (GET /statements/facets), the
// statements that condemn or accuse (several values of one filter), and a searched page with its
// matches marked (`highlights`).
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";
import { escapeHtml } from "./speakers.js";

export type Statement = components["schemas"]["Statement"];
export type Stance = Statement["stance"];
export type FacetBucket = components["schemas"]["FacetBucket"];
export type Highlight = components["schemas"]["Highlight"];
// The queries of listStatementFacets (`facet` is required) and listStatements.
export type FacetQuery = operations["listStatementFacets"]["parameters"]["query"];
export type StatementQuery = NonNullable<operations["listStatements"]["parameters"]["query"]>;

/** The filters are arrays with `style: form, explode: false` in the spec: sent as the spec says,
 * comma-separated (`stance=condemn,accuse`). */
export function apiClient(baseUrl: string) {
  return createClient<paths>({ baseUrl, querySerializer: { array: { style: "form", explode: false } } });
}

function failed(status: number, error: { title: string; detail: string }): Error {
  return new Error(`${status} ${error.title}: ${error.detail}`);
}

export interface SearchCounts {
  total: number;
  stance: FacetBucket[];
  month: FacetBucket[];
}

/** Counts of the statements matching `q` by stance and by month (undated ones under null). */
export async function countBy(baseUrl: string, q: string): Promise<SearchCounts> {
  const query: FacetQuery = { q, facet: ["stance", "month"] };
  const { data, error, response } = await apiClient(baseUrl).GET("/statements/facets", { params: { query } });
  if (error !== undefined) throw failed(response.status, error);
  // A facet is in `data` when it was asked for; the type has every facet optional.
  return { total: data.meta.total, stance: data.data.stance ?? [], month: data.data.month ?? [] };
}

/** Every statement with any of these stances, page by page; and the URL of the first request. */
export async function fetchByStance(baseUrl: string, stance: Stance[]): Promise<{ url: string; statements: Statement[] }> {
  const client = apiClient(baseUrl);
  const statements: Statement[] = [];
  let url = "";
  let cursor: string | undefined;
  do {
    const query: StatementQuery = { stance, limit: 100, ...(cursor === undefined ? {} : { cursor }) };
    const { data, error, response } = await client.GET("/statements", { params: { query } });
    if (error !== undefined) throw failed(response.status, error);
    url ||= response.url;
    statements.push(...data.data);
    cursor = data.meta.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return { url, statements };
}

/** `text` as HTML with the highlighted ranges in <mark>; offsets are code points, not UTF-16 units. */
export function markHighlights(text: string, highlights: readonly Highlight[]): string {
  const chars = Array.from(text);
  let html = "";
  let at = 0;
  for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
    if (start < at) continue;
    html += escapeHtml(chars.slice(at, start).join("")) + `<mark>${escapeHtml(chars.slice(start, end).join(""))}</mark>`;
    at = end;
  }
  return html + escapeHtml(chars.slice(at).join(""));
}

/** A page of statements matching `q`, each as an <li> with its quote (if any) and summary, matches marked. */
export async function searchMarked(baseUrl: string, q: string): Promise<string[]> {
  const query: StatementQuery = { q, limit: 5 };
  const { data, error, response } = await apiClient(baseUrl).GET("/statements", { params: { query } });
  if (error !== undefined) throw failed(response.status, error);
  return data.data.map((statement) => {
    // present on the rows of a list searched with q (and only there)
    const highlights = statement.highlights ?? [];
    const marks = (field: Highlight["field"]) => highlights.filter((h) => h.field === field);
    // quote is null for a paraphrase
    const quote = statement.quote === null ? "" : `<q>${markHighlights(statement.quote, marks("quote"))}</q> `;
    return `<li data-id="${escapeHtml(statement.id)}">${quote}${markHighlights(statement.summary, marks("summary"))}</li>`;
  });
}
