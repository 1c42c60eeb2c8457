// Building the page: elements from tag names, attributes and children, where every string child
// becomes a text node. Nothing here (or anywhere in the explorer) assigns HTML: data and query text
// can only ever be text, whatever they contain.
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (name === "href") element.setAttribute("href", safeHref(String(value)));
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** Only same-origin URLs and http(s) URLs become links; anything else (`javascript:`, `data:`)
 * becomes a link to nowhere. A path is resolved as the browser would (`/\\host` is another host). */
export function safeHref(href: string): string {
  try {
    const url = new URL(href, window.location.origin);
    if (url.origin === window.location.origin) return url.pathname + url.search + url.hash;
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : "#";
  } catch {
    return "#";
  }
}

/** A link inside the explorer: followed by the router without reloading the page. */
export function link(path: string, ...children: Child[]): HTMLAnchorElement {
  return h("a", { href: path, "data-route": "" }, ...children);
}

/** A link leaving the site, opened in a new tab without a referrer. */
export function external(href: string, ...children: Child[]): HTMLAnchorElement {
  return h("a", { href, rel: "external noopener noreferrer", target: "_blank" }, ...children);
}

/** A vocabulary value as a label: `direct_quote` -> "direct quote". */
export function label(value: string | null | undefined): string {
  return value === null || value === undefined ? "none" : value.replace(/_/g, " ");
}
