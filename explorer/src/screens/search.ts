// /explore/search?q=…: full-text search over quotes and summaries, narrowed by facets (several
// values each; the counts say how many statements each choice would keep), a histogram by month,
// matches marked, paging by cursor, and the current selection as CSV or NDJSON.
import { type FacetBucket, monthRange, type SearchFacet, type SearchFilters, type SearchScreen } from "../api";
import { h, label, link } from "../dom";
import type { Context, Route, Screen } from "../router";
import { bar, sourcePanel, stanceBadge, statementCard } from "../views";

const LISTS = ["stance", "speaker", "target", "event_type", "month"] as const;

export function filtersOf(route: Route): SearchFilters {
  const filters: SearchFilters = {};
  const q = route.params.get("q")?.trim();
  if (q) filters.q = q;
  for (const name of LISTS) {
    const values = listParam(route, name);
    if (values.length) filters[name === "month" ? "months" : name] = values;
  }
  return filters;
}

export const searchScreen: Screen<SearchScreen> = {
  key: (route) => {
    const params = new URLSearchParams(route.params);
    params.delete("statement");
    params.sort();
    return `search:${params.toString()}`;
  },
  load: (api, route) => api.searchScreen(filtersOf(route), route.params.get("cursor") ?? undefined),
  title: (data) => `Search (${data.page.total})`,
  view,
};

function listParam(route: Route, name: string): string[] {
  const value = route.params.get(name);
  return value ? value.split(",").filter(Boolean) : [];
}

function view(data: SearchScreen, context: Context): Node {
  const { route } = context;
  const { page } = data;
  const q = route.params.get("q") ?? "";
  const cursor = route.params.get("cursor");
  const selected = route.params.get("statement");
  const statement = page.statements.find((s) => s.id === selected);
  const input = h("input", { type: "search", name: "q", id: "q", value: q, placeholder: "troop*, sanctions, \"international law\"" });
  const form = h(
    "form",
    { role: "search", class: "search-form", action: "/explore/search" },
    h("label", { for: "q" }, "Search quotes and summaries"),
    input,
    h("button", { type: "submit" }, "Search"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    context.navigate(context.href({ q: input.value.trim() || null, cursor: null, statement: null }));
  });

  return h(
    "div",
    { class: "screen search-screen" },
    h("h1", { id: "title", tabindex: "-1" }, q ? `Statements matching “${q}”` : "All statements"),
    form,
    h(
      "div",
      { class: "search-body" },
      h(
        "aside",
        { class: "facets", "aria-label": "Filters" },
        facetGroup("Stance", "stance", data.facets.stance, context, (b) => stanceBadge(b.value ?? "none")),
        facetGroup("Speaker", "speaker", data.facets.speaker, context, (b) => b.label ?? b.value ?? "none"),
        facetGroup("Target", "target", data.facets.target, context, (b) => b.label ?? b.value ?? "no target"),
        facetGroup("Event type", "event_type", data.facets.event_type, context, (b) => label(b.value)),
      ),
      h(
        "div",
        { class: statement ? "columns with-source" : "columns" },
        h(
          "section",
          { class: "results", "aria-labelledby": "results-title" },
          histogram(data, context),
          h("h2", { id: "results-title", "data-total": page.total }, `${page.total} statement${page.total === 1 ? "" : "s"}`),
          h(
            "p",
            { class: "downloads" },
            "Download these: ",
            h("a", { href: data.downloads.csv, download: "" }, "CSV"),
            " · ",
            h("a", { href: data.downloads.ndjson, download: "" }, "NDJSON"),
          ),
          page.statements.length === 0
            ? h("p", { class: "empty" }, "No statement matches.")
            : h("ol", { class: "result-list" }, page.statements.map((s) => h("li", {}, statementCard(s, context.href({ statement: s.id }), s.id === selected)))),
          h(
            "nav",
            { class: "pager", "aria-label": "Pages" },
            cursor ? link(context.href({ cursor: null, statement: null }), "← First page") : null,
            page.next ? link(context.href({ cursor: page.next, statement: null }), "Next page →") : null,
          ),
        ),
        statement ? sourcePanel(context.api, statement.source.id, [statement.span], "The statement is marked.") : null,
      ),
    ),
  );
}

/** A facet as checkboxes: checking one keeps the statements with any checked value. */
function facetGroup(
  title: string,
  name: Exclude<SearchFacet, "month" | "year">,
  buckets: readonly FacetBucket[],
  context: Context,
  show: (b: FacetBucket) => Node | string,
): HTMLElement {
  const chosen = new Set(listParam(context.route, name));
  const choices = buckets.filter((b) => b.value !== null);
  // A chosen value the counts no longer list (another filter excludes it) stays visible, at 0.
  for (const value of chosen) {
    if (!choices.some((b) => b.value === value)) choices.push({ value, count: 0, label: null, actor: null } as FacetBucket);
  }
  return h(
    "fieldset",
    { class: "facet", "data-facet": name },
    h("legend", {}, title),
    choices.length === 0
      ? h("p", { class: "empty" }, "None.")
      : h(
          "ul",
          {},
          choices.map((b) => {
            const value = b.value ?? "";
            const id = `facet-${name}-${idPart(value)}`;
            return h(
              "li",
              {},
              h("input", {
                type: "checkbox",
                id,
                name,
                value,
                "data-count": b.count,
                checked: chosen.has(value),
                onchange: () => {
                  const next = new Set(chosen);
                  if (next.has(value)) next.delete(value);
                  else next.add(value);
                  context.navigate(context.href({ [name]: [...next].join(",") || null, cursor: null, statement: null }));
                },
              }),
              h("label", { for: id }, show(b), h("span", { class: "count" }, ` ${b.count}`)),
            );
          }),
        ),
  );
}

/** Statements over time, oldest first, as columns: by month, or by year when the months are too
 * many for the facet size. The chosen months are a range (`month=first,last`, or one month) that
 * narrows the search to its dates; a year column stands for its twelve months. Clicking a column
 * not wholly in the range extends the range to it; clicking one inside narrows the range to it;
 * clicking the only chosen column clears it. The counts ignore the range (as each facet ignores
 * its own filter), so every column stays. Undated statements are counted beside it. */
function histogram(data: SearchScreen, context: Context): HTMLElement {
  const [first, last] = monthRange(listParam(context.route, "month"));
  const byYear = data.truncated.includes("month");
  const buckets = byYear ? data.facets.year : data.facets.month;
  const columns = buckets
    .filter((b) => b.value !== null)
    .sort((a, b) => (a.value ?? "").localeCompare(b.value ?? ""))
    .map((b) => {
      const value = b.value ?? "";
      return { value, count: b.count, from: byYear ? `${value}-01` : value, to: byYear ? `${value}-12` : value };
    });
  const undated = buckets.find((b) => b.value === null)?.count ?? 0;
  const highest = Math.max(1, ...columns.map((c) => c.count));
  const covered = (c: { from: string; to: string }): boolean =>
    first !== undefined && last !== undefined && first <= c.from && c.to <= last;
  const chosen = first === undefined ? "" : first === last ? `: ${first} chosen` : `: ${first} to ${last} chosen`;
  const cut = data.truncated.includes(byYear ? "year" : "month") ? ` (the ${columns.length} busiest shown)` : "";
  return h(
    "figure",
    { class: "histogram", "aria-labelledby": "histogram-title" },
    h(
      "figcaption",
      { id: "histogram-title" },
      byYear ? "By year" : "By month",
      cut,
      undated ? ` (and ${undated} undated)` : "",
      chosen,
    ),
    columns.length === 0
      ? h("p", { class: "empty" }, "No dated statements.")
      : h(
          "ul",
          {},
          columns.map((column) => {
            const button = h(
              "button",
              {
                type: "button",
                id: `${byYear ? "year" : "month"}-${idPart(column.value)}`,
                "aria-pressed": covered(column) ? "true" : "false",
                [byYear ? "data-year" : "data-month"]: column.value,
                "data-count": column.count,
              },
              bar(column.count / highest, true),
              h("span", { class: "month" }, column.value),
              h("span", { class: "count" }, ` ${column.count}`),
            );
            button.addEventListener("click", () => {
              let range: string[];
              if (first === undefined || last === undefined) range = [column.from, column.to];
              else if (!covered(column)) range = [min(first, column.from), max(last, column.to)];
              else if (first === column.from && last === column.to) range = [];
              else range = [column.from, column.to];
              const months = [...new Set(range)].join(",");
              context.navigate(context.href({ month: months || null, cursor: null, statement: null }));
            });
            return h("li", {}, button);
          }),
        ),
  );
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

function max(a: string, b: string): string {
  return a > b ? a : b;
}

/** A value as a piece of an element id, one to one (so an id names the same value after each
 * render, and the focus can return to it): letters and digits kept, anything else by code point. */
function idPart(value: string): string {
  return Array.from(value, (c) => (/[A-Za-z0-9]/.test(c) ? c : `_${(c.codePointAt(0) ?? 0).toString(16)}_`)).join("");
}
