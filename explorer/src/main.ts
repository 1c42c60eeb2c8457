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

let shown: { key: string; data: unknown } | null = null;
let generation = 0;

async function render(): Promise<void> {
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
  main.dataset.screen = route.name;
  // A new screen takes the focus (to its heading); a change of view within one (a source opened)
  // leaves it where the reader is, or gives it to the mark.
  const fresh = shown?.key !== key;
  let data: unknown;
  if (!fresh) data = shown?.data;
  else {
    main.setAttribute("aria-busy", "true");
    main.dataset.state = "loading";
    main.replaceChildren(loading("…"));
    try {
      data = await screen.load(api, route);
    } catch (error) {
      if (mine !== generation) return;
      shown = null;
      main.replaceChildren(h("h1", { id: "title", tabindex: "-1" }, "Something went wrong"), problem(error));
      document.title = `Error · ${SITE}`;
      settle("error", true);
      return;
    }
    if (mine !== generation) return; // a newer navigation took over
    shown = { key, data };
  }
  main.replaceChildren(screen.view(data as never, context));
  document.title = route.name === "home" ? SITE : `${screen.title(data as never)} · ${SITE}`;
  settle("ready", fresh && !route.params.has("statement") && !route.params.has("source"));
}

// The page load leaves the focus at the top of the page, where a keyboard reader's first Tab
// reaches the skip link; only navigations within the explorer move it to the new heading.
let loaded = false;

function settle(state: "ready" | "error", moveFocus: boolean): void {
  main.dataset.state = state;
  main.setAttribute("aria-busy", "false");
  const first = !loaded;
  loaded = true;
  if (moveFocus && !first) {
    (document.getElementById("title") ?? main).focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

function navigate(url: string): void {
  if (url === window.location.pathname + window.location.search) return;
  window.history.pushState(null, "", url);
  void render();
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a[data-route]");
  if (!(anchor instanceof HTMLAnchorElement) || anchor.origin !== window.location.origin) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
});
window.addEventListener("popstate", () => void render());
void render();
