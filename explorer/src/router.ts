// Every view is a URL under /explore: the router reads the location, loads the screen's data (one
// call of the data layer, at most two requests) unless only the view changed, and renders it.
// Links marked data-route and form submissions navigate with the History API; back and forward work.
import type { ExplorerApi } from "./api";

export interface Route {
  name: "home" | "actor" | "event" | "search" | "missing";
  /** The path's argument: the actor's name or the event's id. */
  arg: string;
  params: URLSearchParams;
}

export interface Context {
  api: ExplorerApi;
  route: Route;
  /** This screen's URL with some parameters set (a string) or removed (null). */
  href(changes: Record<string, string | null>): string;
  navigate(url: string): void;
}

export interface Screen<T> {
  /** Routes with equal keys share their data: changing only the view (which statement's source is
   * open) makes no request. */
  key(route: Route): string;
  load(api: ExplorerApi, route: Route): Promise<T>;
  title(data: T): string;
  view(data: T, context: Context): Node;
}

export function parse(location: { pathname: string; search: string }): Route {
  const params = new URLSearchParams(location.search);
  let parts: string[];
  try {
    parts = location.pathname.replace(/\/+$/, "").split("/").slice(2).map(decodeURIComponent);
  } catch {
    return { name: "missing", arg: location.pathname.slice("/explore/".length), params }; // a bad %-escape
  }
  if (parts.length === 0) return { name: "home", arg: "", params };
  if (parts.length === 2 && parts[0] === "actors") return { name: "actor", arg: parts[1] ?? "", params };
  if (parts.length === 2 && parts[0] === "events") return { name: "event", arg: parts[1] ?? "", params };
  if (parts.length === 1 && parts[0] === "search") return { name: "search", arg: "", params };
  return { name: "missing", arg: parts.join("/"), params };
}

export function withParams(route: Route, pathname: string, changes: Record<string, string | null>): string {
  const params = new URLSearchParams(route.params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") params.delete(name);
    else params.set(name, value);
  }
  // Commas separate a filter's values (`stance=condemn,deny`): shown as commas, not %2C.
  const search = params.toString().replace(/%2C/gi, ",");
  return search ? `${pathname}?${search}` : pathname;
}
