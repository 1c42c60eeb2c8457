// Who in Seoul said what: fetches GET /statements?actor=Seoul through openapi-fetch, typed by
// src/schema.d.ts (generated from openapi.yaml by openapi-typescript; see docs/clients.md),
// and renders the speakers' names as HTML.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type Statement = components["schemas"]["Statement"];
export type ActorRef = components["schemas"]["ActorRef"];
// The query of listStatements: an unknown parameter name is a compile error.
export type StatementQuery = NonNullable<operations["listStatements"]["parameters"]["query"]>;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Each speaker once, in order of first appearance, with how many statements they made (a
 * statement made jointly, "The Russian government and President Vladimir Putin", counts for each). */
export function speakers(statements: readonly Statement[]): { speaker: ActorRef; count: number; first: Statement }[] {
  const seen = new Map<string, { speaker: ActorRef; count: number; first: Statement }>();
  for (const statement of statements) {
    for (const { actor } of statement.speakers) {
      const entry = seen.get(actor.id);
      if (entry) entry.count += 1;
      else seen.set(actor.id, { speaker: actor, count: 1, first: statement });
    }
  }
  return [...seen.values()];
}

export function renderSpeakers(statements: readonly Statement[]): string {
  const items = speakers(statements).map(({ speaker, count, first }) => {
    // quote is null for a paraphrase, date_start null when the source gives no date
    const words = first.quote ?? first.summary;
    const when = first.date_start ?? "undated";
    return (
      `<li data-actor="${escapeHtml(speaker.id)}" data-kind="${speaker.kind}">` +
      `<b>${escapeHtml(speaker.name)}</b> (${count}): “${escapeHtml(words)}” <time>${escapeHtml(when)}</time></li>`
    );
  });
  return `<ul class="speakers">\n${items.join("\n")}\n</ul>`;
}

/** Every statement by any of these actors (each an id, name or alias): `actor` is a list since API 3.0. */
export async function fetchStatements(baseUrl: string, actor: string[]): Promise<Statement[]> {
  const client = createClient<paths>({ baseUrl });
  const statements: Statement[] = [];
  let cursor: string | undefined;
  do {
    const query: StatementQuery = { actor, limit: 100, ...(cursor === undefined ? {} : { cursor }) };
    const { data, error, response } = await client.GET("/statements", { params: { query } });
    if (error !== undefined) {
      throw new Error(`${response.status} ${error.title}: ${error.detail}`);
    }
    statements.push(...data.data);
    cursor = data.meta.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return statements;
}

export async function renderSeoulSpeakers(baseUrl: string): Promise<string> {
  return renderSpeakers(await fetchStatements(baseUrl, ["Seoul"]));
}
