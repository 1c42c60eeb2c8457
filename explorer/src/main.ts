// The explorer's entry point: routes each /explore URL to its screen, renders it into <main>, and
// keeps the History API in step (links with data-route, forms, back and forward).
import { ExplorerApi } from "./api";
import { h, link } from "./dom";
import { type Context, parse, type Route, type Screen, withParams } from "./router";
import { actorScreen } from "./screens/actor";
import { eventScreen } from "./screens/event";
import { searchScreen } from "./screens/search";
import { loading, problem } from "./views";

const api = new ExplorerApi("");
const main = document.getElementById("main") as HTMLElement;
const SITE = "Anchored News explorer";

const home: Screen<null> = {
  key: () => "home",
  load: async () => null,
  title: () => SITE,
  view: () =>
    h(
      "div",
      { class: "screen home" },
      h("h1", { id: "title", tabindex: "-1" }, "Who said what, in which words, and where"),
      h(
        "p",
        {},
        "Statements, actors and events coded from news reports, each anchored in its source's text. ",
        "Search the statements, or start from an actor or an event:",
      ),
      h(
        "ul",
        {},
        h("li", {}, link("/explore/search?q=troops", "Search: troops")),
        h("li", {}, link("/explore/actors/Seoul", "Actor: Seoul (South Korea)")),
        h("li", {}, link("/explore/events/kursk-liberation-operation", "Event: the Kursk liberation operation")),
      ),
    ),
};

const missing: Screen<null> = {
  key: (route) => `missing:${route.arg}`,
  load: async () => null,
  title: () => "Not found",
  view: (_data, context) =>
    h("div", { class: "screen" }, h("h1", { id: "title", tabindex: "-1" }, "Not found"), h("p", {}, `The explorer has no page /explore/${context.route.arg}.`)),
};

const SCREENS: Record<Route["name"], Screen<never>> = {
  home,
  actor: actorScreen,
  event: eventScreen,
  search: searchScreen,
  missing,
} as Record<Route["name"], Screen<never>>;

let shown: { name: Route["name"]; key: string; data: unknown } | null = null;
let generation = 0;
// The first render leaves the focus at the top of the page, where a keyboard reader's first Tab
// reaches the skip link; later navigations move it as `settle` says.
let loaded = false;

/** How a render was asked for: the first load, a link or control in the page, or back/forward. */
type Cause = "load" | "navigate" | "history";

async function render(cause: Cause): Promise<void> {
  const route = parse(window.location);
  const screen = SCREENS[route.name] as Screen<unknown>;
  const key = screen.key(route);
  const mine = ++generation;
  const context: Context = {
    api,
    route,
    href: (changes) => withParams(route, window.location.pathname, changes),
    navigate,
  };
  // Another screen shows "Loading…"; new data for the same screen (a filter changed) keeps the
  // view, marked busy, so the control just used stays where it was.
  const fresh = shown?.key !== key;
  const sameScreen = shown?.name === route.name && main.dataset.state === "ready";
  const focused = document.activeElement?.id || null;
  main.dataset.screen = route.name;
  let data: unknown;
  if (!fresh) data = shown?.data;
  else {
    main.setAttribute("aria-busy", "true");
    main.dataset.state = "loading";
    if (!sameScreen) main.replaceChildren(loading());
    try {
      data = await screen.load(api, route);
    } catch (error) {
      if (mine !== generation) return;
      shown = null;
      main.replaceChildren(h("h1", { id: "title", tabindex: "-1" }, "Something went wrong"), problem(error));
      document.title = `Error · ${SITE}`;
      settle("error", cause, "heading");
      return;
    }
    if (mine !== generation) return; // a newer navigation took over
    shown = { name: route.name, key, data };
  }
  main.replaceChildren(screen.view(data as never, context));
  document.title = route.name === "home" ? SITE : `${screen.title(data as never)} · ${SITE}`;
  const opened = route.params.has("statement") || route.params.has("source"); // the mark takes the focus
  settle("ready", cause, !fresh || opened ? "stay" : sameScreen ? (focused ?? "stay") : "heading");
}

/** Marks the screen ready, then moves the focus: to the new screen's heading (at the top), back to
 * the control with the id that had it before the render, or nowhere ("stay"). Back and forward
 * restore the scroll position the page had. */
function settle(state: "ready" | "error", cause: Cause, focus: "heading" | "stay" | string): void {
  main.dataset.state = state;
  main.setAttribute("aria-busy", "false");
  const first = !loaded;
  loaded = true;
  if (first) return;
  if (focus === "heading") {
    (document.getElementById("title") ?? main).focus({ preventScroll: true });
    if (cause === "navigate") window.scrollTo(0, 0);
  } else if (focus !== "stay") document.getElementById(focus)?.focus({ preventScroll: true });
  const saved = (window.history.state as { scrollY?: unknown } | null)?.scrollY;
  if (cause === "history" && typeof saved === "number") window.scrollTo(0, saved);
}

function navigate(url: string): void {
  if (url === window.location.pathname + window.location.search) return;
  window.history.replaceState({ scrollY: window.scrollY }, ""); // where to come back to
  window.history.pushState(null, "", url);
  void render("navigate");
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a[data-route]");
  if (!(anchor instanceof HTMLAnchorElement) || anchor.origin !== window.location.origin) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
});
window.addEventListener("popstate", () => void render("history"));
void render("load");
