// The explorer's part of the browser tests: what tests/browser_driver.mjs needs to drive /explore
// (when a screen has settled, which requests are API calls) and the DOM facts a step reads along
// the explorer's DOM contract. Run by tests/explorer/test_explorer_browser.py:
//
//   node explorer_browser.mjs DEVTOOLS_PORT BASE_URL SCENARIO_JSON
//
// A scenario is {name, viewport: {width, height, mobile}, bypassCSP, steps: [...], probe}; its
// steps are the driver's (visit, click, back, forward, eval: see browser_driver.mjs). The report
// (JSON on stdout) has one screen per step: the driver's records (requests, console, CSP, dialogs,
// screenshot, axe, tab) with `dom`, the facts readDom reads, and `states`, each time <main
// data-state> was set during the step.
//
// "Settled" is the explorer's own signal: <main data-state> set to "ready" or "error" (every render
// sets it, so a re-render counts even when the value stays "ready"), then nothing in <main> still
// loading (aria-busy, .loading), `until` true, and the network idle. Nothing here sleeps to guess.
import { Driver, runScenario, WAIT_MS } from "../browser_driver.mjs";

// In every document, before its scripts: record each time <main data-state> is set, with whether
// the screen's heading was in <main> then (a render that keeps the view keeps it while it loads).
const INSTRUMENT = `(() => {
  const record = { states: [] };
  Object.defineProperty(window, "__explorerTest", { value: record });
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.target.id !== "main") continue;
      record.states.push({ state: m.target.dataset.state, screen: m.target.dataset.screen,
        busy: m.target.getAttribute("aria-busy"), view: !!m.target.querySelector("h1#title"),
        url: location.pathname + location.search, at: Date.now() });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
})();`;

async function stateCount(driver) {
  try {
    return (await driver.evaluate("window.__explorerTest ? window.__explorerTest.states.length : 0")) ?? 0;
  } catch {
    return 0;
  }
}

/** The explorer, as the driver's runScenario takes an app. */
export function explorerApp(origin) {
  return {
    instrument: INSTRUMENT,
    // A visit starts a fresh document (no state recorded yet); anything else counts from now.
    before: (driver, spec) => (spec.visit !== undefined ? 0 : stateCount(driver)),
    /** Waits for <main> to settle after `before` recorded states; returns that settle record. */
    async settle(driver, before, until, timeout = WAIT_MS) {
      const record = await driver.waitFor(
        "main[data-state=ready|error]",
        `(() => { const s = window.__explorerTest?.states ?? [];
           const last = s[s.length - 1];
           return s.length > ${before} && last && (last.state === "ready" || last.state === "error") ? last : null; })()`,
        timeout,
      );
      await driver.waitFor(
        "nothing in <main> still loading",
        `!document.querySelector('#main [aria-busy="true"], #main .loading') && (${until ?? "true"})`,
        timeout,
      );
      return record;
    },
    read: readDom,
    /** The data-state records of the step. */
    async extra(driver, before) {
      try {
        return { states: (await driver.evaluate(`window.__explorerTest?.states.slice(${before}) ?? []`)) ?? [] };
      } catch {
        return { states: [] };
      }
    },
    /** Same origin, not the page itself, not under /explore/assets/. */
    isApi(url, type) {
      let parsed;
      try {
        parsed = new URL(url);
      } catch {
        return false;
      }
      return parsed.origin === origin && type !== "Document" && !parsed.pathname.startsWith("/explore/assets/");
    },
  };
}

// ---- the DOM, read along the explorer's contract (run in the page: it must be self-contained) ----

export function readDom() {
  const main = document.getElementById("main");
  const all = (selector, root = document) => [...root.querySelectorAll(selector)];
  const text = (el) => (el ? el.textContent.trim() : null);
  const links = (el) => (el ? all("a", el).map((a) => ({ text: text(a), href: a.getAttribute("href") })) : []);
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  };
  const describe = (el) =>
    el ? { tag: el.tagName.toLowerCase(), id: el.id || null, class: el.getAttribute("class"), text: text(el).slice(0, 80) } : null;
  const ids = (root) => all("article.statement[data-id]", root).map((a) => a.dataset.id);

  const statements = all("article.statement[data-id]").map((a) => ({
    id: a.dataset.id,
    selected: a.classList.contains("selected"),
    speakers: links(a.querySelector(".speakers")),
    targets: links(a.querySelector(".targets")),
    quote: text(a.querySelector("blockquote.quote")),
    summary: text(a.querySelector("blockquote.summary, p.summary")),
    marks: all("blockquote mark, p.summary mark", a).map(text),
    quoteMarks: all("blockquote.quote mark", a).map((m) => m.textContent),
    summaryMarks: all("blockquote.summary mark, p.summary mark", a).map((m) => m.textContent),
    showInSource: a.querySelector("footer a[data-route]")?.getAttribute("href") ?? null,
    event: a.querySelector('footer a[href^="/explore/events/"]')?.getAttribute("href") ?? null,
  }));

  const sourceSection = document.querySelector("section#source");
  const mark = document.querySelector("section#source .source-text mark#span");
  const source = sourceSection && {
    id: sourceSection.dataset.sourceId,
    busy: sourceSection.getAttribute("aria-busy"),
    meta: text(sourceSection.querySelector(".source-meta")),
    textLength: sourceSection.querySelector(".source-text")?.textContent.length ?? null,
    mark: mark && { text: mark.textContent, inViewport: visible(mark), focused: document.activeElement === mark },
    marks: all("section#source .source-text mark").map((m) => ({ id: m.id || null, text: m.textContent })),
  };

  const svg = document.querySelector("figure.map svg");
  const point = svg?.querySelector("circle.map-point");
  let map = null;
  if (svg) {
    const containing = (selector) => {
      if (!point) return [];
      const centre = svg.createSVGPoint();
      centre.x = point.cx.baseVal.value;
      centre.y = point.cy.baseVal.value;
      const onScreen = centre.matrixTransform(point.getCTM());
      return all(selector, svg)
        .filter((path) => path.isPointInFill(onScreen.matrixTransform(path.getCTM().inverse())))
        .map((path) => ({ name: path.dataset.name ?? null, country: path.dataset.country ?? null }));
    };
    map = {
      label: svg.getAttribute("aria-label"),
      countries: all("path.map-country", svg).length,
      regions: all("path.map-region", svg).length,
      points: all("circle.map-point", svg).length,
      point: point && { cx: point.cx.baseVal.value, cy: point.cy.baseVal.value },
      inCountries: containing("path.map-country"),
      inRegions: containing("path.map-region"),
    };
  }

  const facets = Object.fromEntries(
    all("fieldset.facet[data-facet]").map((f) => [
      f.dataset.facet,
      all("input[type=checkbox]", f).map((i) => ({ id: i.id, value: i.value, count: Number(i.dataset.count), checked: i.checked })),
    ]),
  );
  const resultsTitle = document.querySelector("#results-title");

  const scroller = document.scrollingElement;
  const overflowing = all("body *")
    .filter((el) => !el.parentElement.closest("svg")) // an <svg> clips what it draws
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .slice(0, 10)
    .map(describe);

  return {
    url: location.pathname + location.search,
    scrollY: window.scrollY,
    documentTitle: document.title,
    screen: main?.dataset.screen ?? null,
    state: main?.dataset.state ?? null,
    busy: main?.getAttribute("aria-busy") ?? null,
    title: text(document.querySelector("h1#title")),
    focused: describe(document.activeElement),
    problem: document.querySelector(".problem[role=alert]") && {
      title: text(document.querySelector(".problem[role=alert] .problem-title")),
      detail: text(document.querySelector(".problem[role=alert] .problem-detail")),
    },
    statements,
    source,
    actor: {
      bars: all("figure.bars").map((f) => ({
        caption: text(f.querySelector("figcaption")),
        items: all("li[data-value][data-count]", f).map((li) => ({ value: li.dataset.value, count: Number(li.dataset.count) })),
      })),
      toggle: document.querySelector(".toggle input[type=checkbox]")?.checked ?? null,
      more: text(document.querySelector("#main .more")),
      moreButton: !!document.querySelector("#main .more button"),
      lanes: all("section.lane[data-lane]").map((s) => ({ lane: s.dataset.lane, undated: s.classList.contains("undated"), ids: ids(s) })),
      tree: document.querySelector("nav.tree") && { current: text(document.querySelector("nav.tree [aria-current]")), links: links(document.querySelector("nav.tree")) },
    },
    event: {
      map,
      stanceGroups: all(".stance-group[data-stance]").map((g) => ({ stance: g.dataset.stance, ids: ids(g) })),
      supporting: all(".supporting li[data-source-id]").map((li) => ({
        source: li.dataset.sourceId,
        excerpt: text(li.querySelector("blockquote.excerpt")),
        marks: all("blockquote.excerpt mark", li).map(text),
      })),
    },
    search: {
      q: document.querySelector("input#q")?.value ?? null,
      total: resultsTitle ? Number(resultsTitle.dataset.total) : null,
      results: ids(document.querySelector(".result-list") ?? document.createElement("div")),
      facets,
      months: all("button[data-month]").map((b) => ({
        id: b.id,
        month: b.dataset.month,
        pressed: b.getAttribute("aria-pressed"),
        count: Number(b.dataset.count),
      })),
      years: all("button[data-year]").map((b) => ({
        id: b.id,
        year: b.dataset.year,
        pressed: b.getAttribute("aria-pressed"),
        count: Number(b.dataset.count),
      })),
      histogram: text(document.querySelector("#histogram-title")),
      downloads: links(document.querySelector(".downloads")),
      pager: links(document.querySelector(".pager")),
    },
    safety: {
      xss: typeof window.__xss === "undefined" ? null : String(window.__xss),
      scripts: all("script").map((s) => s.getAttribute("src") ?? `inline: ${s.textContent.slice(0, 80)}`),
      images: all("img").map((i) => i.getAttribute("src")),
      embeds: all("iframe, object, embed, frame").length,
      javascriptLinks: all("a, area").filter((a) => a.protocol === "javascript:").map((a) => a.getAttribute("href")),
      handlers: all("*").filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).map(describe),
      mainText: main ? main.textContent : "",
    },
    layout: {
      scrollWidth: scroller.scrollWidth,
      innerWidth,
      clientWidth: document.documentElement.clientWidth,
      overflowing,
    },
    skipLink: describe(document.querySelector("a.skip-link")),
  };
}

// ---- run -----------------------------------------------------------------------------------------

const [port, baseUrl, scenarioJson] = process.argv.slice(2);
const scenario = JSON.parse(scenarioJson);
const app = explorerApp(new URL(baseUrl).origin);
const driver = await Driver.open(port, { viewport: scenario.viewport, bypassCSP: scenario.bypassCSP, instrument: app.instrument });
try {
  console.log(JSON.stringify(await runScenario(driver, baseUrl, scenario, app)));
} finally {
  await driver.close();
}
