// Drives a headless Chromium (already started by tests/contract/test_docs_browser.py) over the
// DevTools protocol: loads /docs, waits for Swagger UI to render every operation, records every
// request the page makes, takes a screenshot, and prints what the DOM shows as JSON.
//
//   node docs_browser.mjs DEVTOOLS_PORT DOCS_URL EXPECTED_OPERATIONS SCREENSHOT_PATH PROBE_URL
//
// PROBE_URL is loaded last, after the page's requests are recorded: a URL off this machine that
// the test's recording proxy must see, proving that a request leaving 127.0.0.1 would be caught.
import { writeFileSync } from "node:fs";
import CDP from "chrome-remote-interface";

const [port, docsUrl, expectedText, screenshotPath, probeUrl] = process.argv.slice(2);
const expected = Number(expectedText);
const TIMEOUT_MS = 30_000;

const target = await CDP.New({ host: "127.0.0.1", port: Number(port), url: "about:blank" });
const client = await CDP({ host: "127.0.0.1", port: Number(port), target });
const { Network, Page, Runtime, Emulation, Log } = client;

const requests = [];
const failures = [];
const console_ = [];
Network.requestWillBeSent(({ request, type }) => requests.push({ url: request.url, method: request.method, type }));
Network.loadingFailed(({ errorText, blockedReason }) => failures.push({ errorText, blockedReason }));
Runtime.consoleAPICalled(({ type, args }) => console_.push({ type, text: args.map((a) => a.value ?? a.description).join(" ") }));
Runtime.exceptionThrown(({ exceptionDetails }) => console_.push({ type: "exception", text: exceptionDetails.text }));
Log.entryAdded(({ entry }) => console_.push({ type: `log.${entry.level}`, text: entry.text }));

await Promise.all([Network.enable(), Page.enable(), Runtime.enable(), Log.enable()]);
await Emulation.setDeviceMetricsOverride({ width: 1280, height: 2400, deviceScaleFactor: 1, mobile: false });
await Page.navigate({ url: docsUrl });
await Page.loadEventFired();

async function evaluate(expression) {
  const { result, exceptionDetails } = await Runtime.evaluate({ expression, returnByValue: true });
  if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.text}`);
  return result.value;
}

const deadline = Date.now() + TIMEOUT_MS;
let rendered = 0;
while (Date.now() < deadline) {
  rendered = await evaluate("document.querySelectorAll('.opblock').length");
  if (rendered >= expected) break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
await new Promise((resolve) => setTimeout(resolve, 500)); // let late requests (fonts, images) show

const dom = await evaluate(`(() => {
  const text = (el) => (el ? el.textContent.trim() : null);
  return {
    title: document.title,
    infoTitle: text(document.querySelector('.info .title')),
    version: text(document.querySelector('.info .title .version')),
    description: text(document.querySelector('.info .description')),
    tags: [...document.querySelectorAll('.opblock-tag')].map((el) => el.getAttribute('data-tag')),
    operations: [...document.querySelectorAll('.opblock')].map((el) => ({
      id: el.id,
      method: text(el.querySelector('.opblock-summary-method')),
      path: el.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? null,
      summary: text(el.querySelector('.opblock-summary-description')),
    })),
    models: [...document.querySelectorAll('.models article[data-json-schema-level="0"] > .json-schema-2020-12-head .json-schema-2020-12__title')].map(text),
    errors: text(document.querySelector('.errors-wrapper')),
    loadingFailed: text(document.querySelector('.loading-container .info')),
  };
})()`);

const shot = await Page.captureScreenshot({ format: "png", captureBeyondViewport: false });
writeFileSync(screenshotPath, Buffer.from(shot.data, "base64"));

// Open listStatements, as a reader would, and read its parameters.
await evaluate("document.querySelector('#operations-statements-listStatements .opblock-summary-control').click()");
let parameters = [];
const opened = Date.now() + 10_000;
while (Date.now() < opened && parameters.length === 0) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  parameters = await evaluate(
    "[...document.querySelectorAll('#operations-statements-listStatements tr[data-param-name]')].map((tr) => tr.getAttribute('data-param-name'))",
  );
}
const pageRequests = requests.splice(0);
const pageFailures = failures.splice(0);
const pageConsole = console_.splice(0);

await Page.navigate({ url: probeUrl });
await new Promise((resolve) => setTimeout(resolve, 1500));

console.log(
  JSON.stringify({ rendered, dom, parameters, requests: pageRequests, failures: pageFailures, probeRequests: requests, console: pageConsole }),
);
await client.close();
await CDP.Close({ host: "127.0.0.1", port: Number(port), id: target.id });
