// Pieces the screens share: a statement as a card, stance badges, count bars, a source's text with
// a span marked, loading and problem states.
import type { ActorRef, ExplorerApi, FacetBucket, Source, Span, Statement, StatementPage } from "./api";
import { ApiError } from "./api";
import { external, h, label, link } from "./dom";
import { segments } from "./text";

export function actorPath(id: string): string {
  return `/explore/actors/${encodeURIComponent(id)}`;
}

export function eventPath(id: string): string {
  return `/explore/events/${encodeURIComponent(id)}`;
}

export function stanceBadge(stance: string): HTMLElement {
  return h("span", { class: `badge stance-${stance.replace(/[^a-z_]/g, "")}` }, label(stance));
}

export function actorLinks(actors: readonly (ActorRef | null | undefined)[]): (Node | string)[] {
  const out: (Node | string)[] = [];
  for (const actor of actors) {
    if (!actor) continue;
    if (out.length) out.push(", ");
    out.push(link(actorPath(actor.id), actor.name));
  }
  return out;
}

export function when(start: string | null, end: string | null, text?: string | null): string {
  if (start === null) return "undated";
  const range = end && end !== start ? `${start} – ${end}` : start;
  return text ? `${range} (“${text}”)` : range;
}

/** The statement's words: the quote if there is one, else the summary, with search matches marked. */
export function words(statement: Statement): HTMLElement {
  const field = statement.quote ? "quote" : "summary";
  const text = statement.quote ?? statement.summary;
  const marks = (statement.highlights ?? []).filter((m) => m.field === field);
  const body = h("blockquote", { class: field }, ...marked(text, marks));
  if (field === "quote") return h("div", {}, body, h("p", { class: "summary" }, ...marked(statement.summary, (statement.highlights ?? []).filter((m) => m.field === "summary"))));
  return body;
}

/** A statement as a card: when, stance, who to whom, the words, and a link that opens its source
 * at its span (`open` is the URL of that link, a screen's own URL with `statement=` set). */
export function statementCard(statement: Statement, open: string, selected: boolean): HTMLElement {
  return h(
    "article",
    { class: selected ? "statement selected" : "statement", "data-id": statement.id, "aria-current": selected ? "true" : null },
    h(
      "header",
      {},
      stanceBadge(statement.stance),
      " ",
      h("time", { datetime: statement.date_start ?? null }, when(statement.date_start, statement.date_end)),
      " · ",
      h("span", { class: "speakers" }, ...actorLinks(statement.speakers.map((s) => s.actor))),
      statement.targets.length ? h("span", { class: "targets" }, " → ", ...actorLinks(statement.targets)) : null,
    ),
    words(statement),
    h(
      "footer",
      {},
      link(open, "Show in source", h("span", { class: "visually-hidden" }, `: ${statement.id}`)),
      statement.event ? [" · event: ", link(eventPath(statement.event.id), statement.event.title)] : null,
      ` · ${label(statement.kind)}, ${label(statement.attribution)} attribution`,
    ),
  );
}

/** Counts as small horizontal bars, largest first (the API's order). */
export function bars(title: string, buckets: readonly FacetBucket[], name: (b: FacetBucket) => Node | string): HTMLElement {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return h(
    "figure",
    { class: "bars" },
    h("figcaption", {}, title),
    buckets.length === 0
      ? h("p", { class: "empty" }, "None.")
      : h(
          "ul",
          {},
          buckets.map((b) =>
            h(
              "li",
              { "data-value": b.value ?? "", "data-count": b.count },
              h("span", { class: "bar-label" }, name(b)),
              bar(b.count / max),
              h("span", { class: "bar-count" }, b.count),
            ),
          ),
        ),
  );
}

/** A bar as SVG (sized by attributes, which the CSP allows, not by inline style): horizontal, or
 * a column standing on its base. */
export function bar(fraction: number, column = false): SVGSVGElement {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  const length = Math.max(1, Math.round(fraction * 100));
  svg.setAttribute("class", column ? "column" : "bar");
  svg.setAttribute("viewBox", column ? "0 0 10 100" : "0 0 100 10");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  rect.setAttribute("width", column ? "10" : String(length));
  rect.setAttribute("height", column ? String(length) : "10");
  if (column) rect.setAttribute("y", String(100 - length));
  svg.appendChild(rect);
  return svg;
}

/** Text with the code-point ranges `marks` in <mark>. */
export function marked(text: string, marks: readonly { start: number; end: number }[]): Node[] {
  return segments(text, marks).map((s) => (s.marked ? h("mark", {}, s.text) : document.createTextNode(s.text)));
}

/** A source's whole text with `spans` marked, loaded on demand; the first mark (`mark#span`) is
 * scrolled into view and focused. */
export function sourcePanel(api: ExplorerApi, sourceId: string, spans: readonly Span[], caption: string): HTMLElement {
  const panel = h(
    "section",
    { id: "source", class: "source", "aria-labelledby": "source-title", "data-source-id": sourceId, "aria-busy": "true" },
    h("h2", { id: "source-title" }, "Source ", h("code", {}, sourceId)),
    h("p", { class: "caption" }, caption),
    loading("the source"),
  );
  loadSource(api, sourceId).then(
    (source) => {
      // The text scrolls on its own: in the tab order, so a keyboard can scroll it too.
      const text = h("div", { class: "source-text", tabindex: "0", role: "region", "aria-label": `Text of source ${sourceId}` });
      let first: HTMLElement | null = null;
      for (const s of segments(source.text, spans)) {
        if (!s.marked) {
          text.appendChild(document.createTextNode(s.text));
          continue;
        }
        const mark: HTMLElement = h("mark", first ? {} : { id: "span", tabindex: "-1" }, s.text);
        first ??= mark;
        text.appendChild(mark);
      }
      panel.querySelector(".loading")?.replaceWith(sourceHeader(source), text);
      panel.setAttribute("aria-busy", "false");
      first?.scrollIntoView({ block: "center" });
      first?.focus({ preventScroll: true });
    },
    (error: unknown) => {
      panel.querySelector(".loading")?.replaceWith(problem(error));
      panel.setAttribute("aria-busy", "false");
    },
  );
  return panel;
}

const sources = new Map<string, Promise<Source>>();

function loadSource(api: ExplorerApi, id: string): Promise<Source> {
  let found = sources.get(id);
  if (found === undefined) {
    found = api.source(id);
    found.catch(() => sources.delete(id));
    sources.set(id, found);
  }
  return found;
}

function sourceHeader(source: Source): HTMLElement {
  const published = when(source.published_start, source.published_end);
  return h(
    "p",
    { class: "source-meta" },
    source.outlet ? [source.outlet.name, " · "] : null,
    `published ${published} (${label(source.published_basis)})`,
    source.byline ? ` · by ${source.byline.name}` : null,
    // Only an http(s) URL becomes a link (safeHref); any other shows as text.
    source.url ? [" · ", /^https?:\/\//i.test(source.url) ? external(source.url, source.url) : h("code", {}, source.url)] : null,
  );
}

/** An API problem (or any failure) as an alert showing its `detail`. */
export function problem(error: unknown): HTMLElement {
  const detail =
    error instanceof ApiError ? error.problem.detail || error.problem.title : error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError ? `${error.status} ${error.problem.title}` : "The request failed";
  return h("div", { class: "problem", role: "alert" }, h("p", { class: "problem-title" }, status), h("p", { class: "problem-detail" }, detail));
}

export function loading(what?: string): HTMLElement {
  return h("p", { class: "loading", role: "status" }, what ? `Loading ${what}…` : "Loading…");
}

/** "Load more" under a list shown from `page`: adds the next page to it (`api.extend`) and calls
 * `refill` to show the rows again; gone on the last page. */
export function loadMore(api: ExplorerApi, page: StatementPage, what: string, refill: () => void): HTMLElement {
  const holder = h("div", { class: "more" });
  const show = (): void => {
    if (page.next === null) return holder.replaceChildren();
    const button = h("button", { type: "button" }, `Load more ${what} (${page.statements.length} of ${page.total} shown)`);
    button.addEventListener("click", () => {
      holder.replaceChildren(loading(`more ${what}`));
      api.extend(page).then(
        () => {
          refill();
          show();
          holder.querySelector("button")?.focus();
        },
        (error: unknown) => holder.replaceChildren(problem(error)),
      );
    });
    holder.replaceChildren(button);
  };
  show();
  return holder;
}
