// The explorer's pact with the API (consumer "anchored-news-explorer", provider
// "anchored-news-api"): each test drives one screen's call of the real data layer (src/api.ts)
// against a Pact mock server, so the interactions recorded are exactly the requests the screen
// makes and the response fields it reads. Bodies are matchers: they state types and shapes, and
// exact values only where a screen relies on one (which filter a resolution is for, the actor an
// alias resolves to, the month format the histogram parses). Nullable fields are left out of the
// shapes (Pact cannot say "string or null"); the TypeScript types and the schema tests cover them.
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

// The provider states (docs/pact.md lists them; tests/explorer/test_pact.py checks each against the
// seed corpus before its interactions are replayed).
const SEOUL = "the actor Seoul has statements";
const KURSK = "the event kursk-liberation-operation exists";
const TROOPS = "statements mention troops";
const SOURCE = "the source 003_4c4acd25798775f3 exists";
const SOURCE_ID = "003_4c4acd25798775f3";

const JSON_HEADERS = { "Content-Type": regex("^application/json", "application/json") };

// --- shapes, as the screens read them ------------------------------------------------------------

const span = (start: number, end: number) => ({ start: integer(start), end: integer(end) });

const actorRef = (id: string, name: string, kind: string) => ({
  id: string(id),
  name: string(name),
  kind: string(kind),
});

/** What a statement card and "show in source" read: who said what to whom, how, and where in the
 * source (the statement's span in the source text, and within its excerpt). */
const statement = {
  id: string("south-korean-foreign-ministry-condemns-deployment"),
  speakers: eachLike({ actor: actorRef("south-korea-foreign-ministry", "South Korean Foreign Ministry", "ministry") }),
  attribution: string("explicit"),
  summary: string("South Korea's Foreign Ministry said North Korea and Russia are mocking the international community."),
  kind: string("direct_quote"),
  stance: string("condemn"),
  targets: atLeastLike(actorRef("north-korea", "North Korea", "state"), 0, 1),
  date_precision: string("day"),
  source: { id: string("000_7dc1a4308702294b"), published_basis: string("inferred") },
  span: span(1956, 2159),
  excerpt: string("In a statement reported by Yonhap News Agency, South Korea's Foreign Ministry said, \"We strongly condemn this action.\""),
  excerpt_span: span(85, 288),
};

/** A full actor record, as `include=actors` gives it. */
const actorRecord = (id: string, name: string, kind: string) => ({
  ...actorRef(id, name, kind),
  aliases: atLeastLike(string("Seoul"), 0, 1),
  affiliates: atLeastLike(actorRef("south-korea-foreign-ministry", "South Korean Foreign Ministry", "ministry"), 0, 1),
  statement_count: integer(3),
  statement_count_with_affiliates: integer(6),
  event_count: integer(2),
});

const bucket = (value: string, count: number) => ({ value: string(value), count: integer(count) });
const actorBucket = (id: string, name: string, kind: string, count: number) => ({
  ...bucket(id, count),
  label: string(name),
  actor: actorRef(id, name, kind),
});

// --- the actor page --------------------------------------------------------------------------------

test("actor page: Seoul resolves to South Korea, with its statements, their spans and its counts", async () => {
  pact
    .addInteraction()
    .given(SEOUL)
    .uponReceiving("actor page: Seoul's statements with their source spans")
    .withRequest("GET", "/statements", (b) => b.query({ actor: "Seoul", include: "actors", limit: "100" }))
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        data: eachLike(statement),
        meta: {
          total: integer(6),
          // The screen finds the actor's record by the id the `actor` filter matched.
          resolved: arrayContaining({
            parameter: "actor",
            value: "Seoul",
            resource: "actors",
            matched: { id: "south-korea", name: string("South Korea"), kind: string("state") },
            include_affiliates: true,
            count: integer(4),
            covers: eachLike(actorRef("south-korea", "South Korea", "state")),
          }),
        },
        included: {
          // The matched actor is among the included records, with its aliases, Wikidata id and
          // affiliates; the speakers' and targets' records are there too.
          actors: arrayContaining(
            {
              ...actorRecord("south-korea", "South Korea", "state"),
              id: "south-korea",
              aliases: eachLike(string("Seoul")),
              wikidata: regex("^Q[0-9]+$", "Q884"),
              affiliates: eachLike(actorRef("south-korea-foreign-ministry", "South Korean Foreign Ministry", "ministry")),
            },
            actorRecord("south-korea-foreign-ministry", "South Korean Foreign Ministry", "ministry"),
          ),
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
          target: eachLike(actorBucket("north-korea", "North Korea", "state", 5)),
        },
        meta: { total: integer(6) },
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
      const first = screen.page.statements[0];
      assert.ok(first !== undefined);
      assert.ok(first.span.end > first.span.start);
      assert.ok(first.excerpt_span.end > first.excerpt_span.start);
      assert.ok(first.speakers[0]?.actor.id);
      assert.ok(screen.page.actors.has(first.speakers[0].actor.id));
      assert.equal(screen.byStance[0]?.value, "condemn");
      assert.equal(screen.byTarget[0]?.actor?.id, "north-korea");
    });
});

// --- the event page --------------------------------------------------------------------------------

test("event page: the Kursk liberation operation, its point on the map and its statements", async () => {
  pact
    .addInteraction()
    .given(KURSK)
    .uponReceiving("event page: the kursk-liberation-operation event with its location")
    .withRequest("GET", "/events/kursk-liberation-operation")
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        id: "kursk-liberation-operation",
        type: string("combat_operation"),
        status: string("occurred"),
        certainty: string("claimed"),
        asserted_by: atLeastLike(actorRef("tass", "TASS", "state_media"), 0, 1),
        title: string("A 'liberation operation' in the Suzhansky district of Kursk, with North Korean troops"),
        description: string("The TASS footage presented North Korean forces joining Russian troops as a liberation operation."),
        participants: eachLike({
          actor: actorRef("russian-armed-forces", "Russian Armed Forces", "military"),
          role: string("initiator"),
        }),
        // The map puts the event at its point; the region code names the area it shades.
        location: {
          id: string("sudzhansky-district"),
          name: string("Sudzhansky District"),
          region: regex("^[A-Z]{2}-[A-Z0-9]{1,3}$", "RU-KRS"),
          country: string("RU"),
          lat: number(51.1917),
          lon: number(35.2717),
          precision: string("district"),
        },
        date_precision: string("unknown"),
        date_basis: string("unknown"),
        sources: eachLike({
          source: { id: string("003_4c4acd25798775f3"), published_basis: string("inferred") },
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
          ...statement,
          id: string("tass-describes-kursk-liberation-operation"),
          event: { id: "kursk-liberation-operation", title: string("A 'liberation operation' in Kursk") },
        }),
        meta: {
          total: integer(1),
          resolved: arrayContaining({
            parameter: "event",
            value: "kursk-liberation-operation",
            resource: "events",
            matched: { id: "kursk-liberation-operation", name: string("A 'liberation operation' in Kursk") },
          }),
        },
        included: { actors: eachLike(actorRecord("tass", "TASS", "state_media")) },
      }),
    )
    .executeTest(async (server) => {
      const screen = await new ExplorerApi(server.url).eventScreen("kursk-liberation-operation");
      assert.equal(screen.event.id, "kursk-liberation-operation");
      assert.ok(screen.event.location !== null);
      assert.equal(typeof screen.event.location.lat, "number");
      assert.equal(typeof screen.event.location.lon, "number");
      assert.equal(screen.event.location.region, "RU-KRS");
      assert.ok(screen.event.sources.length > 0);
      const first = screen.page.statements[0];
      assert.equal(first?.event?.id, "kursk-liberation-operation");
      assert.ok(screen.page.actors.size > 0);
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
          ...statement,
          // Where the words matched, in the field the card shows (the quote, else the summary).
          highlights: eachLike({
            field: regex("^(quote|summary)$", "summary"),
            start: integer(73),
            end: integer(79),
          }),
        }),
        meta: { total: integer(8), resolved: atLeastLike({}, 0, 0) },
      }),
    );

  await pact
    .addInteraction()
    .given(TROOPS)
    .uponReceiving("search page: the facet counts of the statements matching 'troops'")
    .withRequest("GET", "/statements/facets", (b) =>
      b.query({ q: "troops", facet: "stance,speaker,target,month,event_type", facet_size: "50" }),
    )
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        data: {
          stance: eachLike(bucket("condemn", 1)),
          speaker: eachLike(actorBucket("vladimir-putin", "Vladimir Putin", "person", 2)),
          target: eachLike(actorBucket("north-korean-forces-in-russia", "North Korean forces in Russia", "troop_contingent", 5)),
          // The histogram reads months as YYYY-MM (undated statements come as a null bucket).
          month: arrayContaining({ value: regex("^[0-9]{4}-[0-9]{2}$", "2025-04"), count: integer(5) }),
          event_type: arrayContaining(bucket("combat_operation", 1)),
        },
        meta: { total: integer(8) },
      }),
    )
    .executeTest(async (server) => {
      const screen = await new ExplorerApi(server.url).searchScreen({ q: "troops" });
      const first = screen.page.statements[0];
      assert.ok(first?.highlights?.length);
      assert.equal(screen.page.total, 8);
      assert.equal(screen.facets.stance[0]?.value, "condemn");
      assert.equal(screen.facets.speaker[0]?.actor?.id, "vladimir-putin");
      assert.match(screen.facets.month[0]?.value ?? "", /^\d{4}-\d{2}$/);
      assert.ok(screen.facets.event_type.length > 0);
      assert.ok(screen.downloads.csv.endsWith("/statements.csv?q=troops"));
    });
});

// --- the source panel ------------------------------------------------------------------------------

test("source panel: a source's text, to mark a statement's span in it", async () => {
  await pact
    .addInteraction()
    .given(SOURCE)
    .uponReceiving("source panel: a source with its text")
    .withRequest("GET", `/sources/${SOURCE_ID}`)
    .willRespondWith(200, (b) =>
      b.headers(JSON_HEADERS).jsonBody({
        id: SOURCE_ID,
        outlet: actorRef("korea-joongang-daily", "Korea JoongAng Daily", "news_outlet"),
        published_basis: string("inferred"),
        language: string("en"),
        length: integer(1200),
        text: string("Russia's state-run Tass News Agency released the video footage on April 29 showing North Korean forces."),
      }),
    )
    .executeTest(async (server) => {
      const source = await new ExplorerApi(server.url).source(SOURCE_ID);
      assert.equal(source.id, SOURCE_ID);
      assert.ok(source.text.length > 0);
      assert.equal(source.outlet?.name, "Korea JoongAng Daily");
    });
});
