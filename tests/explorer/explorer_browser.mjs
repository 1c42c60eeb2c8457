// Drives a headless Chromium (started by tests/browser.py) over the DevTools protocol through one
// scenario of the explorer, and prints a JSON report of every screen it reached.
//
//   node explorer_browser.mjs DEVTOOLS_PORT BASE_URL SCENARIO_JSON
//
// A scenario (written by tests/explorer/test_explorer_browser.py) is
//   {name, viewport: {width, height, mobile}, bypassCSP, steps: [...], probe}
// and each step one action, then a screen read once the explorer has settled:
//   {visit: "/explore/actors/Seoul"}            load the URL in the tab (a fresh document)
//   {click: "css selector"}                     click the element (the router follows data-route links)
//   {back: true}                                history.back()
//   {eval: "JS expression"}                     run it in the page, then read the page (no settle)
// with optional {name, until: "JS expression", screenshot: "file.png", axe: true, tab: true}.
//
// "Settled" is the explorer's own signal: <main data-state> set to "ready" or "error" (every render
// sets it, so a re-render counts even when the value stays "ready"), then nothing in <main> still
// loading (aria-busy, .loading), `until` true, and the network idle. Nothing here sleeps to guess.
//
// Per screen: the requests made from the action on (url, type, status, whether before ready, and
// whether an API request: same origin, not the page itself, not under /explore/assets/), console
// errors and exceptions, CSP violations (the page's securitypolicyviolation events and the
// browser's Log entries), dialogs opened, DOM facts along the explorer's DOM contract, and
// optionally a screenshot, an axe-core report (injected with Runtime.evaluate, which the page's
// CSP does not govern), and where one Tab key press puts the focus.
//
// PROBE_URL (scenario.probe) is loaded last: a URL off this machine that the test's recording
// proxy must see, proving that a request leaving 127.0.0.1 would be caught.
import { readFileSync, writeFileSync } from "node:fs";
import CDP from "chrome-remote-interface";

const [port, baseUrl, scenarioJson] = process.argv.slice(2);
const scenario = JSON.parse(scenarioJson);
const origin = new URL(baseUrl).origin;
const AXE_SOURCE = readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const WAIT_MS = 20_000;
const QUIET_MS = 300;

const target = await CDP.New({ host: "127.0.0.1", port: Number(port), url: "about:blank" });
const client = await CDP({ host: "127.0.0.1", port: Number(port), target });
const { Network, Page, Runtime, Emulation, Log, Input } = client;

// ---- what the browser reports, as it happens ---------------------------------------------------

const requests = [];
const byId = new Map();
const inflight = new Set();
let lastNetworkActivity = Date.now();
const consoleEntries = [];
const logCsp = [];
const dialogs = [];

Network.requestWillBeSent(({ requestId, request, type, wallTime }) => {
  const entry = { url: request.url, method: request.method, type, at: wallTime * 1000 };
  requests.push(entry);
  byId.set(requestId, entry);
  inflight.add(requestId);
  lastNetworkActivity = Date.now();
});
Network.responseReceived(({ requestId, response }) => {
  const entry = byId.get(requestId);
  if (entry) entry.status = response.status;
});
const done = (failed) => ({ requestId, errorText, blockedReason }) => {
  const entry = byId.get(requestId);
  if (entry && failed) entry.failed = blockedReason ? `${errorText} (${blockedReason})` : errorText;
  inflight.delete(requestId);
  lastNetworkActivity = Date.now();
};
Network.loadingFinished(done(false));
Network.loadingFailed(done(true));
Runtime.consoleAPICalled(({ type, args }) =>
  consoleEntries.push({ type, text: args.map((a) => a.value ?? a.description).join(" ") }),
);
Runtime.exceptionThrown(({ exceptionDetails }) =>
  consoleEntries.push({
    type: "exception",
    text: `${exceptionDetails.text} ${exceptionDetails.exception?.description ?? ""}`.trim(),
  }),
);
Log.entryAdded(({ entry }) => {
  consoleEntries.push({ type: `log.${entry.level}`, source: entry.source, text: entry.text, url: entry.url });
  if (entry.source === "security" || /Content Security Policy/i.test(entry.text)) logCsp.push(entry.text);
});
Page.javascriptDialogOpening((dialog) => {
  dialogs.push({ type: dialog.type, message: dialog.message });
  void Page.handleJavaScriptDialog({ accept: false });
});

// In every document, before its scripts: record each time <main data-state> is set, and the
// page's CSP violation events.
const INSTRUMENT = `(() => {
  const record = { states: [], csp: [] };
  Object.defineProperty(window, "__explorerTest", { value: record });
  document.addEventListener("securitypolicyviolation", (e) => record.csp.push({
    directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile, line: e.lineNumber,
  }), true);
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.target.id !== "main") continue;
      record.states.push({ state: m.target.dataset.state, screen: m.target.dataset.screen,
        url: location.pathname + location.search, at: Date.now() });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
})();`;

await Promise.all([Network.enable(), Page.enable(), Runtime.enable(), Log.enable()]);
await Page.addScriptToEvaluateOnNewDocument({ source: INSTRUMENT });
if (scenario.bypassCSP) await Page.setBypassCSP({ enabled: true });
const viewport = { width: 1280, height: 900, mobile: false, ...(scenario.viewport ?? {}) };
await Emulation.setDeviceMetricsOverride({ ...viewport, deviceScaleFactor: 1 });
await Emulation.setFocusEmulationEnabled({ enabled: true });

// ---- helpers -----------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function evaluate(expression, { awaitPromise = false } = {}) {
  const { result, exceptionDetails } = await Runtime.evaluate({ expression, returnByValue: true, awaitPromise });
  if (exceptionDetails) {
    throw new Error(`${expression.slice(0, 200)}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  }
  return result.value;
}

async function waitFor(what, expression, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  let value;
  while (Date.now() < deadline) {
    try {
      value = await evaluate(expression);
      if (value) return value;
    } catch {
      // the document is being replaced: try again
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${expression}`);
}

async function stateCount() {
  try {
    return (await evaluate("window.__explorerTest ? window.__explorerTest.states.length : 0")) ?? 0;
  } catch {
    return 0;
  }
}

/** Waits for <main> to settle after `before` recorded states; returns that settle record. */
async function settled(before, until) {
  const record = await waitFor(
    "main[data-state=ready|error]",
    `(() => { const s = window.__explorerTest?.states ?? [];
       const last = s[s.length - 1];
       return s.length > ${before} && last && (last.state === "ready" || last.state === "error") ? last : null; })()`,
  );
  await waitFor(
    "nothing in <main> still loading",
    `!document.querySelector('#main [aria-busy="true"], #main .loading') && (${until ?? "true"})`,
  );
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (inflight.size > 0 || Date.now() - lastNetworkActivity < QUIET_MS)) await sleep(50);
  return record;
}

function isApi(url, type) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.origin === origin && type !== "Document" && !parsed.pathname.startsWith("/explore/assets/");
}

async function screenshot(file) {
  const { cssContentSize } = await Page.getLayoutMetrics();
  const height = Math.min(Math.ceil(cssContentSize.height), 4000);
  const shot = await Page.captureScreenshot({
    format: "png",
    captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: viewport.width, height, scale: 1 },
  });
  writeFileSync(file, Buffer.from(shot.data, "base64"));
  return file;
}

async function axe() {
  if (!(await evaluate("typeof window.axe === 'object'"))) await evaluate(`${AXE_SOURCE};true`);
  return evaluate(
    `axe.run(document, { resultTypes: ["violations"] }).then((r) => ({
      version: r.testEngine.version,
      url: r.url,
      passes: r.passes.length,
      incomplete: r.incomplete.map((i) => i.id),
      violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, html: n.html.slice(0, 300), summary: n.failureSummary })),
      })),
    }))`,
    { awaitPromise: true },
  );
}

async function pressTab() {
  const key = { key: "Tab", code: "Tab", windowsVirtualKeyCode: 9, nativeVirtualKeyCode: 9 };
  await Input.dispatchKeyEvent({ type: "keyDown", ...key });
  await Input.dispatchKeyEvent({ type: "keyUp", ...key });
  return evaluate(`(() => { const el = document.activeElement;
    return el ? { tag: el.tagName.toLowerCase(), id: el.id || null, class: el.getAttribute("class"),
      href: el.getAttribute("href"), text: el.textContent.trim().slice(0, 80) } : null; })()`);
}

// ---- the DOM, read along the explorer's contract -------------------------------------------------

function readDom() {
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
      all("input[type=checkbox]", f).map((i) => ({ value: i.value, count: Number(i.dataset.count), checked: i.checked })),
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
      months: all("button[data-month]").map((b) => ({ month: b.dataset.month, pressed: b.getAttribute("aria-pressed"), count: Number(b.dataset.count) })),
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

// ---- the scenario --------------------------------------------------------------------------------

async function step(spec) {
  const from = { requests: requests.length, console: consoleEntries.length, logCsp: logCsp.length, dialogs: dialogs.length };
  const startedAt = Date.now();
  let before = 0;
  if (spec.eval !== undefined) return evalStep(spec, from);
  if (spec.visit !== undefined) {
    const loaded = Page.loadEventFired();
    await Page.navigate({ url: new URL(spec.visit, baseUrl).href });
    await loaded;
  } else {
    before = await stateCount();
    if (spec.click !== undefined) {
      const selector = JSON.stringify(spec.click);
      await evaluate(`(() => { const el = document.querySelector(${selector});
        if (!el) throw new Error("nothing matches " + ${selector});
        el.scrollIntoView({ block: "center" }); el.click(); return true; })()`);
    } else if (spec.back) {
      await evaluate("history.back(), true");
    } else throw new Error(`a step without an action: ${JSON.stringify(spec)}`);
  }
  const ready = await settled(before, spec.until);
  const dom = await evaluate(`(${readDom})()`);
  const pageCsp = await evaluate("window.__explorerTest.csp.slice()");
  const screen = {
    name: spec.name ?? spec.visit ?? spec.click ?? "back",
    action: spec,
    ready,
    elapsedMs: ready.at - startedAt,
    requests: requests.slice(from.requests).map((r) => ({
      ...r,
      api: isApi(r.url, r.type),
      beforeReady: r.at <= ready.at,
    })),
    console: consoleEntries.slice(from.console),
    csp: [...pageCsp, ...logCsp.slice(from.logCsp)],
    dialogs: dialogs.slice(from.dialogs),
    dom,
  };
  screen.apiRequests = screen.requests.filter((r) => r.api).map((r) => r.url);
  screen.firstPaintApiRequests = screen.requests.filter((r) => r.api && r.beforeReady).map((r) => r.url);
  if (spec.screenshot) screen.screenshot = await screenshot(spec.screenshot);
  if (spec.axe) screen.axe = await axe();
  if (spec.tab) screen.tab = await pressTab();
  return screen;
}

/** Runs an expression in the page (no navigation, no settle to wait for), waits for `until` (without
 * failing: whether it came true is reported), then reads the page as a step does. */
async function evalStep(spec, from) {
  const value = await evaluate(spec.eval);
  let untilMet = true;
  if (spec.until) {
    try {
      await waitFor("until", spec.until, spec.timeout ?? 5000);
    } catch {
      untilMet = false;
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (inflight.size > 0 || Date.now() - lastNetworkActivity < QUIET_MS)) await sleep(50);
  return {
    name: spec.name ?? "eval",
    action: spec,
    value,
    untilMet,
    requests: requests.slice(from.requests).map((r) => ({ ...r, api: isApi(r.url, r.type) })),
    console: consoleEntries.slice(from.console),
    csp: [...(await evaluate("window.__explorerTest.csp.slice()")), ...logCsp.slice(from.logCsp)],
    dialogs: dialogs.slice(from.dialogs),
    dom: await evaluate(`(${readDom})()`),
  };
}

const report = { scenario: scenario.name, base: baseUrl, viewport, bypassCSP: !!scenario.bypassCSP, screens: [] };
try {
  for (const spec of scenario.steps) report.screens.push(await step(spec));
} catch (error) {
  report.error = String(error?.stack ?? error);
  try {
    report.lastDom = await evaluate(`(${readDom})()`);
  } catch {
    // nothing more to tell
  }
  report.console = consoleEntries;
}
if (scenario.probe) {
  const from = requests.length;
  await Page.navigate({ url: scenario.probe });
  await sleep(1500);
  report.probeRequests = requests.slice(from).map((r) => r.url);
}
report.dialogs = dialogs;

console.log(JSON.stringify(report));
await client.close();
await CDP.Close({ host: "127.0.0.1", port: Number(port), id: target.id });
