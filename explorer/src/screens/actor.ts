// /explore/actors/{id or alias}: who the actor is, where it sits in its affiliation tree, what it
// said over time (with its affiliates or not), counts by stance and target, and each statement's
// source text with the words marked.
import type { ActorScreen, Statement } from "../api";
import { external, h, label, link } from "../dom";
import type { Context, Screen } from "../router";
import { actorPath, bars, loadMore, sourcePanel, stanceBadge, statementCard } from "../views";

export const actorScreen: Screen<ActorScreen> = {
  key: (route) => `actor:${route.arg}:${route.params.get("affiliates") !== "0"}`,
  load: (api, route) => api.actorScreen(route.arg, route.params.get("affiliates") !== "0"),
  title: (data) => data.actor.name,
  view,
};

function view(data: ActorScreen, context: Context): Node {
  const { actor, page } = data;
  const selected = context.route.params.get("statement");
  const statement = page.statements.find((s) => s.id === selected);
  const wikidata = actor.wikidata && /^Q\d+$/.test(actor.wikidata) ? actor.wikidata : null;
  const statements = h("div", { class: "timeline-lanes" });
  const fill = (): void => statements.replaceChildren(...timeline(page.statements, context, selected));
  fill();
  const more = loadMore(context.api, page, "statements", fill);

  return h(
    "div",
    { class: "screen actor-screen" },
    h(
      "section",
      { class: "record", "aria-labelledby": "title" },
      h("h1", { id: "title", tabindex: "-1" }, actor.name),
      h(
        "dl",
        { class: "facts" },
        fact("Kind", label(actor.kind)),
        actor.title ? fact("Title", actor.title) : null,
        actor.country ? fact("Country", actor.country) : null,
        fact("Also called", actor.aliases.length ? actor.aliases.join("; ") : "—"),
        wikidata ? fact("Wikidata", external(`https://www.wikidata.org/wiki/${wikidata}`, wikidata)) : null,
        fact("Statements", `${actor.statement_count} own, ${actor.statement_count_with_affiliates} with affiliates`),
      ),
      tree(data),
    ),
    h(
      "section",
      { class: "counts", "aria-label": "Counts" },
      bars("By stance", data.byStance, (b) => stanceBadge(b.value ?? "none")),
      bars("By target", data.byTarget, (b) => (b.actor ? link(actorPath(b.actor.id), b.actor.name) : "no target")),
    ),
    h(
      "div",
      { class: statement ? "columns with-source" : "columns" },
      h(
        "section",
        { class: "timeline", "aria-labelledby": "timeline-title" },
        h("h2", { id: "timeline-title" }, `Statements (${page.total})`),
        h(
          "label",
          { class: "toggle" },
          h("input", {
            type: "checkbox",
            id: "affiliates-toggle",
            checked: data.withAffiliates,
            onchange: () => context.navigate(context.href({ affiliates: data.withAffiliates ? "0" : null, statement: null })),
          }),
          " Include what its affiliates said",
        ),
        page.total === 0 ? h("p", { class: "empty" }, "No statements.") : statements,
        more,
      ),
      statement ? sourcePanel(context.api, statement.source.id, [statement.span], caption(statement)) : null,
    ),
  );
}

function fact(term: string, value: Node | string): Node[] {
  return [h("dt", {}, term), h("dd", {}, value)];
}

/** The actors above this one (farthest first), the actor, and its affiliates. */
function tree(data: ActorScreen): HTMLElement {
  const { actor } = data;
  let list: HTMLElement = h(
    "ul",
    {},
    h(
      "li",
      { "aria-current": "true" },
      h("strong", {}, actor.name),
      actor.affiliates.length
        ? h("ul", {}, actor.affiliates.map((a) => h("li", {}, link(actorPath(a.id), a.name), ` (${label(a.kind)})`)))
        : null,
    ),
  );
  for (const ancestor of data.ancestors) list = h("ul", {}, h("li", {}, link(actorPath(ancestor.id), ancestor.name), list));
  if (actor.affiliation && data.ancestors.length === 0) {
    list = h("ul", {}, h("li", {}, link(actorPath(actor.affiliation.id), actor.affiliation.name), list));
  }
  return h("nav", { class: "tree", "aria-label": "Affiliation tree" }, h("h2", {}, "Affiliation"), list);
}

/** Statements in lanes by month (the API's order, newest first), the undated in a lane of their own. */
function timeline(statements: readonly Statement[], context: Context, selected: string | null): HTMLElement[] {
  const lanes = new Map<string, Statement[]>();
  for (const s of statements) {
    const lane = s.date_start ? s.date_start.slice(0, 7) : "undated";
    lanes.set(lane, [...(lanes.get(lane) ?? []), s]);
  }
  const order = [...lanes.keys()].filter((k) => k !== "undated");
  if (lanes.has("undated")) order.push("undated");
  return order.map((lane) =>
    h(
      "section",
      { class: lane === "undated" ? "lane undated" : "lane", "data-lane": lane },
      h("h3", {}, lane === "undated" ? "Undated" : lane),
      h(
        "ol",
        {},
        (lanes.get(lane) ?? []).map((s) => h("li", {}, statementCard(s, context.href({ statement: s.id }), s.id === selected))),
      ),
    ),
  );
}

function caption(statement: Statement): string {
  const who = statement.speakers.map((s) => s.actor?.name ?? s.as_written).join(", ");
  return `${who}: the ${statement.quote ? "quote" : "paraphrase"} is marked.`;
}
