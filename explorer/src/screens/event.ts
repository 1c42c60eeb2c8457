// /explore/events/{id}: what happened, how sure the sources are and who asserts it, when (with the
// basis of the date), who took part, where (on an offline map), the reactions grouped by stance,
// related events, and every supporting source with its span marked.
import type { EventScreen, Statement } from "../api";
import { h, label, link } from "../dom";
import type { Context, Screen } from "../router";
import { actorLinks, actorPath, eventPath, loading, loadMore, marked, problem, sourcePanel, stanceBadge, statementCard, when } from "../views";
import { renderMap } from "../map";

export const eventScreen: Screen<EventScreen> = {
  key: (route) => `event:${route.arg}`,
  load: (api, route) => api.eventScreen(route.arg),
  title: (data) => data.event.title,
  view,
};

function view(data: EventScreen, context: Context): Node {
  const { event, page } = data;
  const params = context.route.params;
  const statement = page.statements.find((s) => s.id === params.get("statement"));
  // ?source=<id>: that source with every passage of it that reports the event marked.
  const supports = event.sources.filter((s) => s.source.id === params.get("source"));
  const panel = statement
    ? sourcePanel(context.api, statement.source.id, [statement.span], "The statement is marked.")
    : supports[0]
      ? sourcePanel(context.api, supports[0].source.id, supports.map((s) => s.span), "The passages that report the event are marked.")
      : null;
  const reactions = h("div", { class: "stance-groups" });
  const fill = (): void => reactions.replaceChildren(...byStance(page.statements, context, params.get("statement")));
  fill();

  return h(
    "div",
    { class: "screen event-screen" },
    h(
      "section",
      { class: "record", "aria-labelledby": "title" },
      h("h1", { id: "title", tabindex: "-1" }, event.title),
      h("p", { class: "description" }, event.description),
      h(
        "dl",
        { class: "facts" },
        fact("Type", label(event.type)),
        fact("Status", label(event.status)),
        fact("Certainty", label(event.certainty), event.asserted_by.length ? [" — asserted by ", ...actorLinks(event.asserted_by)] : []),
        fact("When", when(event.date_start, event.date_end, event.date_text), ` — precision: ${label(event.date_precision)}, basis: ${label(event.date_basis)}`),
        event.plover ? fact("PLOVER", event.plover) : null,
        fact("Where", event.location ? `${event.location.name} (as written: “${event.location.as_written}”)` : "no place coded"),
      ),
      event.note ? h("p", { class: "note" }, "Note: ", event.note) : null,
    ),
    h(
      "section",
      { class: "participants", "aria-labelledby": "participants-title" },
      h("h2", { id: "participants-title" }, "Participants"),
      event.participants.length
        ? h(
            "ul",
            {},
            event.participants.map((p) => h("li", {}, link(actorPath(p.actor.id), p.actor.name), ` — ${label(p.role)}`)),
          )
        : h("p", { class: "empty" }, "None coded."),
    ),
    event.location ? map(event.location) : null,
    h(
      "div",
      { class: panel ? "columns with-source" : "columns" },
      h(
        "div",
        {},
        h(
          "section",
          { class: "reactions", "aria-labelledby": "reactions-title" },
          h("h2", { id: "reactions-title" }, `Reactions (${page.total})`),
          page.total === 0 ? h("p", { class: "empty" }, "No statements about this event.") : reactions,
          loadMore(context.api, page, "reactions", fill),
        ),
        h(
          "section",
          { class: "supporting", "aria-labelledby": "sources-title" },
          h("h2", { id: "sources-title" }, `Sources (${event.sources.length})`),
          h(
            "ol",
            {},
            event.sources.map((s) =>
              h(
                "li",
                { "data-source-id": s.source.id },
                h("p", { class: "source-meta" }, s.source.outlet?.name ?? s.source.id, ` · published ${when(s.source.published_start, s.source.published_end)}`),
                h("blockquote", { class: "excerpt" }, ...marked(s.excerpt, [s.excerpt_span])),
                link(context.href({ source: s.source.id, statement: null }), "Open the full source at this passage"),
              ),
            ),
          ),
        ),
        h(
          "section",
          { class: "related", "aria-labelledby": "related-title" },
          h("h2", { id: "related-title" }, "Related events"),
          event.related.length
            ? h(
                "ul",
                {},
                event.related.map((r) =>
                  h("li", {}, link(eventPath(r.id), r.title), ` — ${label(r.type)}, ${when(r.date_start, r.date_end)}`, r.place ? `, ${r.place.name}` : ""),
                ),
              )
            : h("p", { class: "empty" }, "None."),
        ),
      ),
      panel,
    ),
  );
}

function fact(term: string, value: string, ...more: (Node | string | (Node | string)[])[]): Node[] {
  return [h("dt", {}, term), h("dd", {}, value, ...more.flat())];
}

/** The base map is a static asset (no API request): fetched once, drawn when it arrives. */
let basemap: Promise<unknown> | null = null;

function map(location: NonNullable<EventScreen["event"]["location"]>): HTMLElement {
  const figure = h(
    "figure",
    { class: "map", "aria-labelledby": "map-caption" },
    loading("the map"),
    h("figcaption", { id: "map-caption" }, `${location.name} (${location.lat.toFixed(3)}, ${location.lon.toFixed(3)}), precision: ${label(location.precision)}. Base map: Natural Earth.`),
  );
  basemap ??= fetch("/explore/assets/basemap.json").then((r) => (r.ok ? r.json() : Promise.reject(new Error(`The base map failed to load (${r.status}).`))));
  basemap.then(
    (topology) => figure.querySelector(".loading")?.replaceWith(renderMap(topology as Parameters<typeof renderMap>[0], { lat: location.lat, lon: location.lon, label: location.name })),
    (error: unknown) => {
      basemap = null;
      figure.querySelector(".loading")?.replaceWith(problem(error));
    },
  );
  return figure;
}

/** The statements about the event, grouped by stance (most frequent first). */
function byStance(statements: readonly Statement[], context: Context, selected: string | null): HTMLElement[] {
  const groups = new Map<string, Statement[]>();
  for (const s of statements) groups.set(s.stance, [...(groups.get(s.stance) ?? []), s]);
  const order = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  return order.map(([stance, group]) =>
    h(
      "section",
      { class: "stance-group", "data-stance": stance },
      h("h3", {}, stanceBadge(stance), ` ${group.length}`),
      h("ol", {}, group.map((s) => h("li", {}, statementCard(s, context.href({ statement: s.id, source: null }), s.id === selected)))),
    ),
  );
}
