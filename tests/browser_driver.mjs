// A generic driver for the headless Chromium that tests/browser.py starts: attaches to it over the
// DevTools protocol (chrome-remote-interface), records what the browser reports, and runs a
// scenario of steps, reading the page after each. It knows nothing of any one app: an app module
// (tests/explorer/explorer_browser.mjs) says when its page has settled and what to read from it.
//
//   const driver = await Driver.open(devtoolsPort, { viewport, bypassCSP, instrument });
//   const report = await runScenario(driver, baseUrl, scenario, app);
//   await driver.close();
//
// What it records, as it happens: every request (url, method, resource type, status, failure, wall
// time), console calls and exceptions, the browser's Log entries (CSP reports among them), the
// page's securitypolicyviolation events (window.__browserDriver.csp), and dialogs (each dismissed).
//
// A scenario is {name, steps: [...], probe}; a step is one action, then a wait, then a read:
//   {visit: "/path"}          load the URL (a fresh document; relative to the base URL)
//   {click: "css selector"}   click the first match: scrolled into view first (block: "center", or
//                             the step's `block`; `scroll: false` does not scroll), then el.click(),
//                             or with `mouse: true` a real left click at its centre (which moves the
//                             focus, as a reader's click does; the centre must show the element)
//   {back: true}, {forward: true}   history.back() / history.forward()
//   {eval: "JS expression"}   run it in the page; its value is reported
// The wait: after visit, click, back and forward the app's `settle` (unless `settle: false`); then
// `until` (a JS expression) must come true, and the network be idle. After eval, `until` is waited
// for without failing (`untilMet` says whether it came true). Optional per step: name, screenshot
// (a PNG path), axe (an axe-core run), tab (where one Tab key press puts the focus), timeout (ms).
//
// The app is {instrument, before(driver, spec), settle(driver, before, until), read, extra,
// isApi(url, type)}: `instrument` runs in every document before its scripts; `before` is a token
// taken before the action and handed to `settle`, which returns a record with `at` (ms) once the
// page is ready; `read` is a function evaluated in the page (the step's `dom`); `extra(driver,
// before)` adds app facts to the step; `isApi` says which requests are the app's API calls.
//
// The probe (scenario.probe), loaded last: a URL off this machine that the test's recording proxy
// must see, proving that a request leaving 127.0.0.1 would be caught.
import { readFileSync, writeFileSync } from "node:fs";
import CDP from "chrome-remote-interface";

const AXE_SOURCE_URL = new URL("../node_modules/axe-core/axe.min.js", import.meta.url);
export const WAIT_MS = 20_000;
const QUIET_MS = 300;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// In every document, before its scripts: the page's CSP violation events.
const CSP_RECORDER = `(() => {
  const record = { csp: [] };
  Object.defineProperty(window, "__browserDriver", { value: record });
  document.addEventListener("securitypolicyviolation", (e) => record.csp.push({
    directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile, line: e.lineNumber,
  }), true);
})();`;

export class Driver {
  /** Opens a new tab in the Chromium listening on `port` and starts recording. */
  static async open(port, { viewport = {}, bypassCSP = false, instrument = null } = {}) {
    const target = await CDP.New({ host: "127.0.0.1", port: Number(port), url: "about:blank" });
    const client = await CDP({ host: "127.0.0.1", port: Number(port), target });
    const driver = new Driver(port, target, client, { width: 1280, height: 900, mobile: false, ...viewport });
    await driver.#start(bypassCSP, instrument);
    return driver;
  }

  constructor(port, target, client, viewport) {
    this.port = Number(port);
    this.target = target;
    this.client = client;
    this.viewport = viewport;
    this.requests = [];
    this.console = [];
    this.logCsp = [];
    this.dialogs = [];
    this.byId = new Map();
    this.inflight = new Set();
    this.lastNetworkActivity = Date.now();
  }

  async #start(bypassCSP, instrument) {
    const { Network, Page, Runtime, Emulation, Log } = this.client;
    Network.requestWillBeSent(({ requestId, request, type, wallTime }) => {
      const entry = { url: request.url, method: request.method, type, at: wallTime * 1000 };
      this.requests.push(entry);
      this.byId.set(requestId, entry);
      this.inflight.add(requestId);
      this.lastNetworkActivity = Date.now();
    });
    Network.responseReceived(({ requestId, response }) => {
      const entry = this.byId.get(requestId);
      if (entry) entry.status = response.status;
    });
    const done = (failed) => ({ requestId, errorText, blockedReason }) => {
      const entry = this.byId.get(requestId);
      if (entry && failed) entry.failed = blockedReason ? `${errorText} (${blockedReason})` : errorText;
      this.inflight.delete(requestId);
      this.lastNetworkActivity = Date.now();
    };
    Network.loadingFinished(done(false));
    Network.loadingFailed(done(true));
    Runtime.consoleAPICalled(({ type, args }) =>
      this.console.push({ type, text: args.map((a) => a.value ?? a.description).join(" ") }),
    );
    Runtime.exceptionThrown(({ exceptionDetails }) =>
      this.console.push({
        type: "exception",
        text: `${exceptionDetails.text} ${exceptionDetails.exception?.description ?? ""}`.trim(),
      }),
    );
    Log.entryAdded(({ entry }) => {
      this.console.push({ type: `log.${entry.level}`, source: entry.source, text: entry.text, url: entry.url });
      if (entry.source === "security" || /Content Security Policy/i.test(entry.text)) this.logCsp.push(entry.text);
    });
    Page.javascriptDialogOpening((dialog) => {
      this.dialogs.push({ type: dialog.type, message: dialog.message });
      void Page.handleJavaScriptDialog({ accept: false });
    });

    await Promise.all([Network.enable(), Page.enable(), Runtime.enable(), Log.enable()]);
    await Page.addScriptToEvaluateOnNewDocument({ source: CSP_RECORDER });
    if (instrument) await Page.addScriptToEvaluateOnNewDocument({ source: instrument });
    if (bypassCSP) await Page.setBypassCSP({ enabled: true });
    await Emulation.setDeviceMetricsOverride({ ...this.viewport, deviceScaleFactor: 1 });
    await Emulation.setFocusEmulationEnabled({ enabled: true });
  }

  async close() {
    await this.client.close();
    await CDP.Close({ host: "127.0.0.1", port: this.port, id: this.target.id });
  }

  /** The value of `expression` in the page (a promise's, with awaitPromise); throws its exception. */
  async evaluate(expression, { awaitPromise = false } = {}) {
    const { result, exceptionDetails } = await this.client.Runtime.evaluate({
      expression,
      returnByValue: true,
      awaitPromise,
    });
    if (exceptionDetails) {
      throw new Error(`${expression.slice(0, 200)}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value;
  }

  /** Polls `expression` until it is truthy (returned), or throws after `timeout` ms. */
  async waitFor(what, expression, timeout = WAIT_MS) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      try {
        const value = await this.evaluate(expression);
        if (value) return value;
      } catch {
        // the document is being replaced: try again
      }
      await sleep(50);
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${expression}`);
  }

  /** Waits (at most `timeout` ms) until no request is in flight and none started for a moment. */
  async networkIdle(timeout = 10_000) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline && (this.inflight.size > 0 || Date.now() - this.lastNetworkActivity < QUIET_MS)) {
      await sleep(50);
    }
  }

  /** Loads `url` in the tab, to its load event. */
  async navigate(url) {
    const loaded = this.client.Page.loadEventFired();
    await this.client.Page.navigate({ url });
    await loaded;
  }

  /** Clicks the first element `selector` matches (see the header); returns the page's scrollY
   * just before the click. */
  async click(selector, { block = "center", scroll = true, mouse = false } = {}) {
    const sel = JSON.stringify(selector);
    const box = await this.evaluate(`(() => { const el = document.querySelector(${sel});
      if (!el) throw new Error("nothing matches " + ${sel});
      if (${scroll}) el.scrollIntoView({ block: ${JSON.stringify(block)} });
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      const hit = document.elementFromPoint(x, y);
      return { x, y, scrollY: window.scrollY, hits: !!hit && (hit === el || el.contains(hit)) }; })()`);
    if (!mouse) {
      await this.evaluate(`document.querySelector(${sel}).click(), true`);
      return { scrollY: box.scrollY };
    }
    if (!box.hits) throw new Error(`${selector} does not show at its centre (${box.x}, ${box.y}): a click would miss it`);
    const { Input } = this.client;
    const at = { x: box.x, y: box.y, button: "left", clickCount: 1 };
    await Input.dispatchMouseEvent({ type: "mouseMoved", x: box.x, y: box.y });
    await Input.dispatchMouseEvent({ type: "mousePressed", ...at });
    await Input.dispatchMouseEvent({ type: "mouseReleased", ...at });
    return { scrollY: box.scrollY };
  }

  async screenshot(file) {
    const { cssContentSize } = await this.client.Page.getLayoutMetrics();
    const height = Math.min(Math.ceil(cssContentSize.height), 4000);
    const shot = await this.client.Page.captureScreenshot({
      format: "png",
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: this.viewport.width, height, scale: 1 },
    });
    writeFileSync(file, Buffer.from(shot.data, "base64"));
    return file;
  }

  /** An axe-core run over the document (injected with Runtime.evaluate, which the page's CSP does
   * not govern): its version, the number of passes, and each violation with its nodes. */
  async axe() {
    if (!(await this.evaluate("typeof window.axe === 'object'"))) {
      await this.evaluate(`${readFileSync(AXE_SOURCE_URL, "utf8")};true`);
    }
    return this.evaluate(
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

  /** Presses Tab once; returns the element that has the focus then. */
  async pressTab() {
    const key = { key: "Tab", code: "Tab", windowsVirtualKeyCode: 9, nativeVirtualKeyCode: 9 };
    await this.client.Input.dispatchKeyEvent({ type: "keyDown", ...key });
    await this.client.Input.dispatchKeyEvent({ type: "keyUp", ...key });
    return this.evaluate(`(() => { const el = document.activeElement;
      return el ? { tag: el.tagName.toLowerCase(), id: el.id || null, class: el.getAttribute("class"),
        href: el.getAttribute("href"), text: el.textContent.trim().slice(0, 80) } : null; })()`);
  }

  /** Where each record list stands now: `since` slices from here. */
  mark() {
    return { requests: this.requests.length, console: this.console.length, logCsp: this.logCsp.length, dialogs: this.dialogs.length };
  }

  /** What was recorded since `mark`, with the page's own CSP violation events. */
  async since(mark) {
    let pageCsp = [];
    try {
      pageCsp = (await this.evaluate("window.__browserDriver ? window.__browserDriver.csp.slice() : []")) ?? [];
    } catch {
      // no document to ask
    }
    return {
      requests: this.requests.slice(mark.requests),
      console: this.console.slice(mark.console),
      csp: [...pageCsp, ...this.logCsp.slice(mark.logCsp)],
      dialogs: this.dialogs.slice(mark.dialogs),
    };
  }

  /** Loads the probe URL; returns the requests made for it. */
  async probe(url) {
    const from = this.requests.length;
    await this.client.Page.navigate({ url });
    await sleep(1500);
    return this.requests.slice(from).map((r) => r.url);
  }
}

/** One step (see the header): the action, the wait, the read. */
async function runStep(driver, baseUrl, spec, app) {
  const from = driver.mark();
  const startedAt = Date.now();
  const isEval = spec.eval !== undefined;
  const before = await app.before(driver, spec);
  let value;
  let scrollBefore = null;
  if (spec.visit !== undefined) await driver.navigate(new URL(spec.visit, baseUrl).href);
  else if (spec.click !== undefined) scrollBefore = (await driver.click(spec.click, spec)).scrollY;
  else if (spec.back) await driver.evaluate("history.back(), true");
  else if (spec.forward) await driver.evaluate("history.forward(), true");
  else if (isEval) value = await driver.evaluate(spec.eval);
  else throw new Error(`a step without an action: ${JSON.stringify(spec)}`);

  let ready = null;
  let untilMet = true;
  if (!isEval && spec.settle !== false) ready = await app.settle(driver, before, spec.until, spec.timeout);
  else if (spec.until) {
    try {
      await driver.waitFor("until", spec.until, spec.timeout ?? (isEval ? 5000 : WAIT_MS));
    } catch (error) {
      if (!isEval) throw error;
      untilMet = false;
    }
  }
  await driver.networkIdle();

  const recorded = await driver.since(from);
  const readyAt = ready?.at ?? Date.now();
  const screen = {
    name: spec.name ?? spec.visit ?? spec.click ?? (isEval ? "eval" : spec.back ? "back" : "forward"),
    action: spec,
    ready,
    elapsedMs: ready ? ready.at - startedAt : null,
    value,
    untilMet,
    scrollBefore,
    ...recorded,
    requests: recorded.requests.map((r) => ({ ...r, api: app.isApi(r.url, r.type), beforeReady: r.at <= readyAt })),
    dom: await driver.evaluate(`(${app.read})()`),
    ...(app.extra ? await app.extra(driver, before) : {}),
  };
  screen.apiRequests = screen.requests.filter((r) => r.api).map((r) => r.url);
  screen.firstPaintApiRequests = screen.requests.filter((r) => r.api && r.beforeReady).map((r) => r.url);
  if (spec.screenshot) screen.screenshot = await driver.screenshot(spec.screenshot);
  if (spec.axe) screen.axe = await driver.axe();
  if (spec.tab) screen.tab = await driver.pressTab();
  return screen;
}

/** Runs every step of `scenario`, then the probe; a step that cannot complete ends the run, and the
 * report says why (`error`) and what the page showed (`lastDom`). */
export async function runScenario(driver, baseUrl, scenario, app) {
  const report = {
    scenario: scenario.name,
    base: baseUrl,
    viewport: driver.viewport,
    bypassCSP: !!scenario.bypassCSP,
    screens: [],
  };
  try {
    for (const spec of scenario.steps) report.screens.push(await runStep(driver, baseUrl, spec, app));
  } catch (error) {
    report.error = String(error?.stack ?? error);
    try {
      report.lastDom = await driver.evaluate(`(${app.read})()`);
    } catch {
      // nothing more to tell
    }
    report.console = driver.console;
  }
  if (scenario.probe) report.probeRequests = await driver.probe(scenario.probe);
  report.dialogs = driver.dialogs;
  return report;
}
