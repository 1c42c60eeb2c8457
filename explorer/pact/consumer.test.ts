// The explorer's pact with the API (consumer "anchored-news-explorer", provider
// "anchored-news-api"): each test drives one screen's call of the real data layer (src/api.ts)
// against a Pact mock server, so the interactions recorded are exactly the requests the screen
// makes. The response bodies name only the fields the screens read (src/screens/*.ts, src/views.ts),
// as matchers: types and shapes, and exact values only where a screen relies on one (which filter
// a resolution is for, the actor an alias resolves to, the event a statement is about, the month
// format the histogram parses, a null cursor on a list that fits on one page).
//
// Pact cannot say "string or null", so a nullable field is in a shape only where the interaction's
// provider state guarantees its value: a quoted, dated statement is found by its id with
// `arrayContaining`, and tests/explorer/test_pact.py checks the seed corpus has it. docs/pact.md
// lists the states and what each guarantees.
//
// Run by explorer/pact/run-consumer.mjs (bundled with esbuild, then `node --test`), which sets
// PACT_DIR, the folder the pact file is written to. docs/pact.md describes the whole flow.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MatchersV3, PactV4 } from "@pact-foundation/pact";

import { ExplorerApi, PAGE_SIZE } from "../src/api";

const { arrayContaining, atLeastLike, eachLike, integer, number, regex, string } = MatchersV3;

const PACT_DIR = process.env.PACT_DIR;
if (!PACT_DIR) throw new Error("PACT_DIR is not set: run explorer/pact/run-consumer.mjs");

const pact = new PactV4({
  consumer: "anchored-news-explorer",
  provider: "anchored-news-api",
  dir: PACT_DIR,
  logLevel: "warn",
});

// The provider states (docs/pact.md lists them and what each guarantees; tests/explorer/test_pact.py
// checks each against the seed corpus before its interactions are replayed).
const SEOUL = "the actor Seoul has statements";
const KURSK = "the event kursk-liberation-operation exists";
const TROOPS = "statements mention troops";
const SOURCE = "the source 003_4c4acd25798775f3 exists";
const SOURCE_ID = "003_4c4acd25798775f3";
// The statements the SEOUL state guarantees on the actor page.
const FOREIGN_MINISTRY = "south-korean-foreign-ministry-condemns-deployment"; // quoted, dated, about an event
const HWANG = "hwang-deployment-violates-resolutions"; // quoted, undated

const JSON_HEADERS = { "Content-Type": regex("^application/json", "application/json") };

// --- shapes, as the screens read them ------------------------------------------------------------

const span = (start: number, end: number) => ({ start: integer(start), end: integer(end) });
/** A day as the timeline's lanes (`date_start.slice(0, 7)`) and the cards read it. */
const day = (example: string) => regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example);

/** An actor as a link: `actorLinks` and the participants read its id and name. */
const actorRef = (id: string, name: string) => ({ id: string(id), name: string(name) });

interface CardExample {
  id: string;
  speaker: [id: string, name: string];
  target: [id: string, name: string];
  stance: string;
  kind: string;
  attribution: string;
  summary: string;
  source: string;
  span: [start: number, end: number];
}

/** What every statement card (views.ts `statementCard`) reads, and its "Show in source" link (the
 * source's id and the statement's span in it). The nullable fields (quote, dates, event) are added
 * where a provider state guarantees them. */
const card = (e: CardExample) => ({
  id: string(e.id),
  speakers: eachLike({ actor: actorRef(...e.speaker) }),
  targets: atLeastLike(actorRef(...e.target), 0, 1),
  stance: string(e.stance),
  kind: string(e.kind),
  attribution: string(e.attribution),
  summary: string(e.summary),
  source: { id: string(e.source) },
  span: span(...e.span),
});

const bucket = (value: string, count: number) => ({ value: string(value), count: integer(count) });

// --- the actor page --------------------------------------------------------------------------------

/** The Foreign Ministry's condemnation: quoted, dated (its lane) and about an event, its speaker
 * named as written (the source panel's caption). */
const foreignMinistryStatement = {
  ...card({
    id: FOREIGN_MINISTRY,
    speaker: ["south-korea-foreign-ministry", "South Korean Foreign Ministry"],
    target: ["north-korea", "North Korea"],
    stance: "condemn",
    kind: "direct_quote",
    attribution: "explicit",
    summary: "South Korea's Foreign Ministry said North Korea and Russia are mocking the international community, and strongly condemned it.",
    source: "000_7dc1a4308702294b",
    span: [1956, 2159],
  }),
  id: FOREIGN_MINISTRY,
  speakers: eachLike({
    actor: actorRef("south-korea-foreign-ministry", "South Korean Foreign Ministry"),
    as_written: string("South Korea's Foreign Ministry"),
  }),
  quote: string("they are once again mocking the international community. We strongly condemn this action"),
  date_start: day("2025-04-28"),
  date_end: day("2025-04-28"),
  event: { id: string("seoul-condemns-admission"), title: string("South Korea condemns North Korea's admission of the deployment") },
};

/** Hwang Joon-kook's accusation: quoted, and undated (the "Undated" lane). */
const hwangStatement = {
  ...card({
    id: HWANG,
    speaker: ["hwang-joon-kook", "Hwang Joon-kook"],
    target: ["north-korea", "North Korea"],
    stance: "accuse",
    kind: "partial_quote",
    attribution: "explicit",
    summary: "South Korea's UN ambassador Hwang Joon-kook said the deployment clearly violates Security Council resolutions.",
    source: SOURCE_ID,
    span: [3918, 3963],
  }),
  id: HWANG,
  quote: string("clearly violates Security Council resolutions"),
  date_start: null,
  date_end: null,
};

test("actor page: Seoul resolves to South Korea, with its record, its statements (quoted, dated and undated) and its counts", async () => {
  pact
    .addInteraction()
    .given(SEOUL)
    .uponReceiving("actor page: Seoul's statements for its timeline")
    .withRequest("GET", "/statements", (b) => b.query({ actor: "Seoul", include: "actors", limit: "100" }))
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        // The two statements the state guarantees, among the others.
        data: arrayContaining(foreignMinistryStatement, hwangStatement),
        meta: {
          total: integer(6),
          // Every statement fits on the page: no "Load more" (views.ts loadMore waits for null).
          next_cursor: null,
          // The screen finds the actor's record by the id the `actor` filter matched.
          resolved: arrayContaining({ parameter: "actor", matched: { id: "south-korea" } }),
        },
        included: {
          // The matched actor's record, as the page's header and affiliation tree show it.
          actors: arrayContaining({
            id: "south-korea",
            name: string("South Korea"),
            kind: string("state"),
            country: string("KR"),
            aliases: eachLike(string("Seoul")),
            wikidata: regex("^Q[0-9]+$", "Q884"),
            affiliates: eachLike({ ...actorRef("south-korea-foreign-ministry", "South Korean Foreign Ministry"), kind: string("ministry") }),
            statement_count: integer(3),
            statement_count_with_affiliates: integer(6),
          }),
        },
      }),
    );

  await pact
    .addInteraction()
    .given(SEOUL)
    .uponReceiving("actor page: Seoul's statement counts by stance and by target")
    .withRequest("GET", "/statements/facets", (b) =>
      b.query({ actor: "Seoul", facet: "stance,target", facet_size: "50" }),
    )
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        data: {
          stance: eachLike(bucket("condemn", 2)),
          // A target bar links to its actor (the statements without a target come as a null bucket).
          target: arrayContaining({ ...bucket("north-korea", 5), actor: actorRef("north-korea", "North Korea") }),
        },
      }),
    )
    .executeTest(async (server) => {
      const screen = await new ExplorerApi(server.url).actorScreen("Seoul");
      assert.equal(screen.actor.id, "south-korea");
      assert.ok(screen.actor.aliases.includes("Seoul"));
      assert.match(screen.actor.wikidata ?? "", /^Q\d+$/);
      assert.ok(screen.actor.affiliates.length > 0);
      assert.deepEqual(screen.ancestors, []);
      assert.ok(screen.withAffiliates);
      assert.equal(screen.page.total, 6);
      assert.equal(screen.page.next, null);
      const [condemnation, accusation] = screen.page.statements;
      assert.equal(condemnation?.id, FOREIGN_MINISTRY);
      assert.ok(condemnation.quote);
      assert.match(condemnation.date_start ?? "", /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(condemnation.event?.id);
      assert.ok(condemnation.span.end > condemnation.span.start);
      assert.ok(condemnation.speakers[0]?.as_written);
      assert.equal(accusation?.id, HWANG);
      assert.ok(accusation.quote);
      assert.equal(accusation.date_start, null);
      assert.equal(screen.byStance[0]?.value, "condemn");
      assert.equal(screen.byTarget[0]?.actor?.id, "north-korea");
    });
});

// --- the event page --------------------------------------------------------------------------------

test("event page: the Kursk liberation operation, its point on the map, its sources and its statements", async () => {
  pact
    .addInteraction()
    .given(KURSK)
    .uponReceiving("event page: the kursk-liberation-operation event with its location")
    .withRequest("GET", "/events/kursk-liberation-operation")
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        type: string("combat_operation"),
        status: string("occurred"),
        certainty: string("claimed"),
        asserted_by: atLeastLike(actorRef("tass", "TASS"), 0, 1),
        title: string("A 'liberation operation' in the Suzhansky district of Kursk, with North Korean troops"),
        description: string("The TASS footage presented North Korean forces joining Russian troops as a liberation operation."),
        participants: eachLike({
          actor: actorRef("russian-armed-forces", "Russian Armed Forces"),
          role: string("initiator"),
        }),
        // The map puts the event at its point; the facts name the place as coded and as written.
        location: {
          name: string("Sudzhansky District"),
          as_written: string("Suzhansky district"),
          lat: number(51.1917),
          lon: number(35.2717),
          precision: string("district"),
        },
        date_precision: string("unknown"),
        date_basis: string("unknown"),
        // Each supporting source: its outlet and publication dates, the passage with the event
        // marked, and the span the source panel marks.
        sources: eachLike({
          source: {
            id: string(SOURCE_ID),
            outlet: { name: string("Korea JoongAng Daily") },
            published_start: day("2025-04-30"),
            published_end: day("2025-04-30"),
          },
          span: span(318, 443),
          excerpt: string("Russia's state-run Tass News Agency released the video footage on April 29."),
          excerpt_span: span(83, 208),
        }),
        related: atLeastLike(
          {
            id: string("north-korean-troops-fight-in-kursk"),
            type: string("combat_operation"),
            title: string("North Korean troops fight alongside Russian forces in Kursk"),
          },
          0,
          1,
        ),
      }),
    );

  await pact
    .addInteraction()
    .given(KURSK)
    .uponReceiving("event page: the statements about kursk-liberation-operation")
    .withRequest("GET", "/statements", (b) =>
      b.query({ event: "kursk-liberation-operation", include: "actors", limit: "100" }),
    )
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        data: eachLike({
          ...card({
            id: "tass-describes-kursk-liberation-operation",
            speaker: ["tass", "TASS"],
            target: ["north-korean-forces-in-russia", "North Korean forces in Russia"],
            stance: "report",
            kind: "paraphrase",
            attribution: "inferred",
            summary: "TASS's footage presented North Korean forces joining Russian troops in Kursk as a liberation operation.",
            source: SOURCE_ID,
            span: [361, 443],
          }),
          // Every statement the `event` filter selects is about the event, which its card links to.
          event: { id: "kursk-liberation-operation", title: string("A 'liberation operation' in Kursk") },
        }),
        // Every statement fits on the page: no "Load more".
        meta: { total: integer(1), next_cursor: null },
      }),
    )
    .executeTest(async (server) => {
      const screen = await new ExplorerApi(server.url).eventScreen("kursk-liberation-operation");
      const { location, sources } = screen.event;
      assert.ok(location !== null);
      assert.equal(typeof location.lat, "number");
      assert.equal(typeof location.lon, "number");
      assert.ok(location.as_written);
      assert.equal(sources[0]?.source.id, SOURCE_ID);
      assert.equal(sources[0].source.outlet?.name, "Korea JoongAng Daily");
      assert.ok(sources[0].excerpt_span.end > sources[0].excerpt_span.start);
      const first = screen.page.statements[0];
      assert.equal(first?.event?.id, "kursk-liberation-operation");
      assert.equal(screen.page.next, null);
    });
});

// --- the search page -------------------------------------------------------------------------------

test("search page: statements matching 'troops', their matches marked, and the facet counts", async () => {
  pact
    .addInteraction()
    .given(TROOPS)
    .uponReceiving("search page: statements matching 'troops' with highlights")
    .withRequest("GET", "/statements", (b) => b.query({ q: "troops", limit: String(PAGE_SIZE) }))
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        data: eachLike({
          ...card({
            id: "us-condemns-kursk-footage",
            speaker: ["united-states", "United States"],
            target: ["north-korea", "North Korea"],
            stance: "condemn",
            kind: "paraphrase",
            attribution: "explicit",
            summary: "The United States immediately condemned the TASS footage of North Korean troops fighting in Kursk.",
            source: SOURCE_ID,
            span: [698, 749],
          }),
          // Where the words matched, in the field the card shows (the quote, else the summary).
          highlights: eachLike({
            field: regex("^(quote|summary)$", "summary"),
            start: integer(73),
            end: integer(79),
          }),
        }),
        meta: { total: integer(8) },
      }),
    );

  await pact
    .addInteraction()
    .given(TROOPS)
    .uponReceiving("search page: the facet counts of the statements matching 'troops'")
    .withRequest("GET", "/statements/facets", (b) =>
      b.query({ q: "troops", facet: "stance,speaker,target,month,year,event_type", facet_size: "50" }),
    )
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        // A checkbox per value, named by its label (the actor's name) and with its count.
        data: {
          stance: eachLike(bucket("condemn", 1)),
          speaker: eachLike({ ...bucket("vladimir-putin", 2), label: string("Vladimir Putin") }),
          // (The statements without a target come as a null bucket.)
          target: arrayContaining({ ...bucket("north-korean-forces-in-russia", 5), label: string("North Korean forces in Russia") }),
          // The histogram reads months as YYYY-MM (undated statements come as a null bucket).
          month: arrayContaining({ value: regex("^[0-9]{4}-[0-9]{2}$", "2025-04"), count: integer(5) }),
          // ... or by year, when the months are cut at the facet size (meta.truncated says so).
          year: arrayContaining({ value: regex("^[0-9]{4}$", "2025"), count: integer(5) }),
          event_type: arrayContaining(bucket("combat_operation", 1)),
        },
        meta: { truncated: eachLike(string("speaker"), 0) },
      }),
    )
    .executeTest(async (server) => {
      const screen = await new ExplorerApi(server.url).searchScreen({ q: "troops" });
      const first = screen.page.statements[0];
      assert.ok(first?.highlights?.length);
      assert.ok(first.span.end > first.span.start);
      assert.equal(screen.page.total, 8);
      assert.equal(screen.facets.stance[0]?.value, "condemn");
      assert.equal(screen.facets.speaker[0]?.label, "Vladimir Putin");
      assert.match(screen.facets.month[0]?.value ?? "", /^\d{4}-\d{2}$/);
      assert.match(screen.facets.year[0]?.value ?? "", /^\d{4}$/);
      assert.ok(Array.isArray(screen.truncated));
      assert.ok(screen.facets.event_type.length > 0);
      assert.ok(screen.downloads.csv.endsWith("/statements.csv?q=troops"));
    });
});

// --- the source panel ------------------------------------------------------------------------------

test("source panel: a source's text, to mark a statement's span in it, under its outlet, dates and byline", async () => {
  await pact
    .addInteraction()
    .given(SOURCE)
    .uponReceiving("source panel: a source with its text")
    .withRequest("GET", `/sources/${SOURCE_ID}`)
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        outlet: { name: string("Korea JoongAng Daily") },
        published_start: day("2025-04-30"),
        published_end: day("2025-04-30"),
        published_basis: string("inferred"),
        byline: { name: string("HAN JEE-HYE") },
        text: string("Russia's state-run Tass News Agency released the video footage on April 29 showing North Korean forces."),
      }),
    )
    .executeTest(async (server) => {
      const source = await new ExplorerApi(server.url).source(SOURCE_ID);
      assert.ok(source.text.length > 0);
      assert.equal(source.outlet?.name, "Korea JoongAng Daily");
      assert.ok(source.byline?.name);
      assert.match(source.published_start ?? "", /^\d{4}-\d{2}-\d{2}$/);
    });
});
